import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../src/store/cursor.js';
import { buildLogQuery, EQUALITY_COLUMNS, type LogQueryDialect } from '../../src/store/log-query.js';
import { openStore } from '../../src/store/index.js';
import { SQLITE_FILTER_INDEX } from '../../src/store/sqlite/sqlite-migrations.js';
import type { LogFilter } from '../../src/store/types.js';

const pgDialect: LogQueryDialect = {
  placeholder: (n) => `$${n}`,
  timestamp: (ms) => new Date(ms).toISOString(),
  boolean: (b) => b,
};
const sqliteDialect: LogQueryDialect = {
  placeholder: () => '?',
  timestamp: (ms) => ms,
  boolean: (b) => (b ? 1 : 0),
};

describe('buildLogQuery', () => {
  it('asks for one row more than the limit, newest first, with no filter', () => {
    const q = buildLogQuery({ limit: 100 }, pgDialect);
    expect(q.sql).toMatch(/FROM request_log ORDER BY ts DESC, id DESC LIMIT 101$/);
    expect(q.params).toEqual([]);
    expect(q.limit).toBe(100);
  });

  it('binds every filter as a parameter, never inlined', () => {
    const q = buildLogQuery(
      {
        start_date: new Date('2025-08-13T00:00:00Z'),
        end_date: new Date('2025-08-13T23:59:59Z'),
        status_code: 200,
        success: false,
        client_id: "x' OR 1=1 --",
        endpoint: '/predict',
        limit: 5,
      },
      pgDialect,
    );
    expect(q.sql).toContain(
      'WHERE ts >= $1 AND ts <= $2 AND status_code = $3 AND success = $4 AND client_id = $5 AND endpoint = $6',
    );
    expect(q.sql).not.toContain('OR 1=1');
    expect(q.params).toEqual([
      '2025-08-13T00:00:00.000Z',
      '2025-08-13T23:59:59.000Z',
      200,
      false,
      "x' OR 1=1 --",
      '/predict',
    ]);
  });

  it('turns a cursor into a range on ts with the id as tie-breaker', () => {
    const cursor = encodeCursor({ tsMs: 1_755_000_000_000, id: 42 });
    const q = buildLogQuery({ client_id: 'a', cursor, limit: 10 }, sqliteDialect);
    expect(q.sql).toContain('WHERE client_id = ? AND ts <= ? AND (ts < ? OR id < ?)');
    expect(q.params).toEqual(['a', 1_755_000_000_000, 1_755_000_000_000, 42]);
  });

  it('adds an INDEXED BY hint only when asked', () => {
    expect(buildLogQuery({ limit: 1 }, sqliteDialect, { indexHint: 'idx' }).sql).toContain(
      'FROM request_log INDEXED BY idx ORDER BY',
    );
  });

  it('clamps the limit to 1-1000', () => {
    expect(buildLogQuery({ limit: 5000 }, sqliteDialect).limit).toBe(1000);
    expect(buildLogQuery({ limit: 0 }, sqliteDialect).limit).toBe(1);
  });
});

describe('cursor', () => {
  it('round-trips and is opaque base64url', () => {
    const c = encodeCursor({ tsMs: 1_755_000_000_123, id: 9_007_199_254 });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ tsMs: 1_755_000_000_123, id: 9_007_199_254 });
  });

  it.each([
    '',
    '!!!',
    'a'.repeat(200),
    Buffer.from('v2:1:1').toString('base64url'),
    Buffer.from('v1:1:-1').toString('base64url'),
  ])('rejects %j', (bad) => {
    expect(() => decodeCursor(bad)).toThrow(InvalidCursorError);
  });
});

describe('SQLite query plans', () => {
  let dataDir: string;
  let db: Database.Database;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'emothumb-plan-'));
    await (await openStore({ dataDir })).close();
    db = new Database(join(dataDir, 'emothumb.db'), { readonly: true });
  });
  afterAll(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const plan = (filter: LogFilter, indexHint?: string) => {
    const q = buildLogQuery(filter, sqliteDialect, { indexHint });
    return (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
  };
  const range = { start_date: new Date(0), end_date: new Date(1e12) };
  const cursor = encodeCursor({ tsMs: 1, id: 1 });
  const shapes: [string, LogFilter][] = [
    ['no filter', { limit: 100 }],
    ['dates', { ...range, limit: 100 }],
    ['dates + cursor', { ...range, cursor, limit: 100 }],
    ...EQUALITY_COLUMNS.map((c): [string, LogFilter] => [
      c,
      { [c]: c === 'success' ? true : c === 'status_code' ? 200 : 'x', ...range, cursor, limit: 100 },
    ]),
  ];

  it.each(shapes)('walks an index in order for %s (no sort, no table scan)', (_name, filter) => {
    const p = plan(filter);
    expect(p).toMatch(/USING (COVERING )?INDEX/);
    expect(p).not.toContain('TEMP B-TREE');
  });

  it.each(EQUALITY_COLUMNS)('the forced %s index serves a combined filter in order', (column) => {
    const p = plan(
      { client_id: 'a', status_code: 500, success: false, endpoint: '/x', ...range, cursor, limit: 100 },
      SQLITE_FILTER_INDEX[column],
    );
    expect(p).toContain(`INDEX ${SQLITE_FILTER_INDEX[column]} (${column}=? AND ts>? AND ts<?)`);
    expect(p).not.toContain('TEMP B-TREE');
  });
});
