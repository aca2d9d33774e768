import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../src/store/index.js';
import type { LogFilter, RequestLogEntry, Store } from '../../src/store/types.js';
import { backends, type BackendInstance } from './backends.js';
import { describeWithTools } from '../helpers/tools.js';

const BASE = Date.parse('2025-08-13T00:00:00.000Z');
const CLIENTS = ['alpha', 'beta', 'gamma', null] as const;
const ENDPOINTS = ['/predict', '/thumbnail', '/analyze', '/logs'] as const;
const STATUSES = [200, 200, 200, 400, 401, 422, 500] as const;

interface Seeded extends RequestLogEntry {
  id: number;
  tsMs: number;
}

/**
 * 240 deterministic rows. Timestamps are not in insertion order (late writes
 * happen) and come in groups of three equal values, so ordering and cursors
 * must break ties by id.
 */
function makeRows(): Seeded[] {
  const rows: Seeded[] = [];
  for (let i = 0; i < 240; i++) {
    const tsMs = BASE + Math.floor(((i * 37) % 240) / 3) * 60_000;
    const status = STATUSES[i % STATUSES.length];
    const success = status < 400;
    rows.push({
      id: i + 1,
      tsMs,
      request_id: `req-${i}`,
      timestamp: new Date(tsMs).toISOString(),
      request_method: ENDPOINTS[i % 4] === '/logs' ? 'GET' : 'POST',
      endpoint: ENDPOINTS[(i >> 1) % 4],
      status_code: status,
      latency_ms: 10 + (i % 13) * 1.5,
      client_id: CLIENTS[i % 4],
      success,
      prediction: success ? 'Happy' : null,
      confidence: success ? 0.5 + (i % 5) / 10 : null,
      error_message: success ? null : 'failed',
      error_code: success ? null : 'invalid_request',
      key_id: i % 2 ? 'key_0123456789abcdef' : null,
      model: success ? 'human-3.3' : null,
    });
  }
  return rows;
}

function expected(rows: Seeded[], f: Omit<LogFilter, 'limit' | 'cursor'>): string[] {
  return rows
    .filter(
      (r) =>
        (f.start_date === undefined || r.tsMs >= f.start_date.getTime()) &&
        (f.end_date === undefined || r.tsMs <= f.end_date.getTime()) &&
        (f.status_code === undefined || r.status_code === f.status_code) &&
        (f.success === undefined || r.success === f.success) &&
        (f.client_id === undefined || r.client_id === f.client_id) &&
        (f.endpoint === undefined || r.endpoint === f.endpoint),
    )
    .sort((a, b) => b.tsMs - a.tsMs || b.id - a.id)
    .map((r) => r.request_id);
}

async function allPages(store: Store, filter: Omit<LogFilter, 'limit' | 'cursor'>, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.logs.query({ ...filter, limit, cursor });
    expect(page.logs.length).toBeLessThanOrEqual(limit);
    ids.push(...page.logs.map((l) => l.request_id));
    cursor = page.next_cursor ?? undefined;
    if (++pages > 1000) throw new Error('paging does not terminate');
  } while (cursor);
  return ids;
}

const at = (minutes: number) => new Date(BASE + minutes * 60_000);

describe.each(backends)('request log on $name', (backend) => {
  describeWithTools(backend.skipReason, '', () => {
    let instance: BackendInstance;
    let store: Store;
    const rows = makeRows();

    beforeAll(() => backend.start());
    afterAll(() => backend.stop());
    beforeEach(async () => {
      instance = await backend.fresh();
      store = await instance.open();
      for (const r of rows) {
        const { id: _id, tsMs: _ts, ...entry } = r;
        await store.logs.insert(entry);
      }
    });
    afterEach(async () => {
      await store.close();
      await instance.dispose();
    });

    it('reads back every field of an entry as written', async () => {
      const page = await store.logs.query({ limit: 1000 });
      expect(page.logs).toHaveLength(rows.length);
      const byId = new Map(page.logs.map((l) => [l.request_id, l]));
      for (const r of rows) {
        const { tsMs: _ts, ...entry } = r;
        expect(byId.get(r.request_id)).toEqual(entry);
      }
    });

    it('returns newest first, ties broken by the newest id, and honours the limit', async () => {
      const page = await store.logs.query({ limit: 50 });
      expect(page.logs.map((l) => l.request_id)).toEqual(expected(rows, {}).slice(0, 50));
      expect(page.next_cursor).not.toBeNull();
      const one = await store.logs.query({ limit: 1 });
      expect(one.logs).toHaveLength(1);
    });

    const filters: [string, Omit<LogFilter, 'limit' | 'cursor'>][] = [
      ['start_date alone', { start_date: at(50) }],
      ['end_date alone', { end_date: at(20) }],
      ['start_date and end_date (both inclusive)', { start_date: at(10), end_date: at(30) }],
      ['an empty date range', { start_date: at(30), end_date: at(10) }],
      ['status_code', { status_code: 422 }],
      ['success true', { success: true }],
      ['success false', { success: false }],
      ['client_id', { client_id: 'beta' }],
      ['an unknown client_id', { client_id: 'nobody' }],
      ['endpoint', { endpoint: '/thumbnail' }],
      [
        'every filter combined',
        {
          start_date: at(5),
          end_date: at(70),
          status_code: 200,
          success: true,
          client_id: 'alpha',
          endpoint: '/predict',
        },
      ],
      ['client_id with success false', { client_id: 'gamma', success: false }],
    ];

    it.each(filters)('filters by %s', async (_name, filter) => {
      const want = expected(rows, filter);
      const page = await store.logs.query({ ...filter, limit: 1000 });
      expect(page.logs.map((l) => l.request_id)).toEqual(want);
      expect(page.next_cursor).toBeNull();
    });

    it('checks the filters select something, so the cases above are not vacuous', () => {
      for (const [name, filter] of filters) {
        const n = expected(rows, filter).length;
        if (name.includes('empty') || name.includes('unknown')) expect(n).toBe(0);
        else expect(n, name).toBeGreaterThan(0);
      }
    });

    it.each([1, 7, 100, 240])('pages with limit %i without duplicates or gaps', async (limit) => {
      expect(await allPages(store, {}, limit)).toEqual(expected(rows, {}));
    });

    it('pages a filtered query across equal timestamps', async () => {
      const filter = { start_date: at(10), client_id: 'alpha' };
      expect(await allPages(store, filter, 2)).toEqual(expected(rows, filter));
    });

    it('gives no next_cursor when the last page is exactly full', async () => {
      const page = await store.logs.query({ limit: 240 });
      expect(page.logs).toHaveLength(240);
      expect(page.next_cursor).toBeNull();
    });

    it('keeps paging stable while new entries arrive', async () => {
      const first = await store.logs.query({ limit: 100 });
      await store.logs.insert({
        ...rows[0],
        request_id: 'late',
        timestamp: new Date(BASE + 999 * 60_000).toISOString(),
      });
      const seen = first.logs.map((l) => l.request_id);
      let cursor = first.next_cursor ?? undefined;
      while (cursor) {
        const page = await store.logs.query({ limit: 100, cursor });
        seen.push(...page.logs.map((l) => l.request_id));
        cursor = page.next_cursor ?? undefined;
      }
      expect(seen).toEqual(expected(rows, {}));
    });

    it.each([
      'garbage!',
      'AAAA',
      Buffer.from('v1:abc:1').toString('base64url'),
      Buffer.from('v1:1:0').toString('base64url'),
    ])('rejects the cursor %s with InvalidCursorError', async (cursor) => {
      await expect(store.logs.query({ limit: 10, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('never stores an API key that a client put in a logged field', async () => {
      const key = `et_${'A'.repeat(43)}`;
      await store.logs.insert({
        ...rows[0],
        request_id: 'leak',
        endpoint: `/x/${key}`,
        error_message: `bad key ${key}`,
      });
      const dump = JSON.stringify(await instance.raw('SELECT * FROM request_log'));
      expect(dump).not.toContain(key);
      const [entry] = (await store.logs.query({ limit: 1000 })).logs.filter((l) => l.request_id === 'leak');
      expect(entry.endpoint).toBe('/x/et_[redacted]');
    });

    it('stores whatever text a client managed to get into an entry', async () => {
      await store.logs.insert({
        ...rows[0],
        request_id: 'odd',
        endpoint: `/a\u0000b/${'x'.repeat(5000)}`,
        client_id: 'émoji 😀 \ud800',
        error_message: "'; DROP TABLE request_log; --",
        latency_ms: Number.NaN,
        confidence: Number.POSITIVE_INFINITY,
      });
      const [entry] = (await store.logs.query({ limit: 1000 })).logs.filter((l) => l.request_id === 'odd');
      expect(entry.endpoint.startsWith('/ab/xxx')).toBe(true);
      expect(entry.endpoint.length).toBeLessThanOrEqual(2000);
      expect(entry.client_id).toMatch(/^émoji 😀 /);
      expect(entry.error_message).toBe("'; DROP TABLE request_log; --");
      expect(entry.latency_ms).toBe(0);
      expect(entry.confidence).toBeNull();
    });

    it('rejects an entry whose timestamp is not a date', async () => {
      await expect(store.logs.insert({ ...rows[0], timestamp: 'yesterday' })).rejects.toThrow(/timestamp/);
    });

    it('keeps its rows and schema when reopened', async () => {
      await store.close();
      store = await instance.open();
      expect((await store.logs.query({ limit: 1000 })).logs).toHaveLength(rows.length);
      const versions = await instance.raw('SELECT version FROM schema_migrations');
      const applied = versions.map((v) => Number(v.version)).sort((a, b) => a - b);
      expect(applied).toEqual(applied.map((_, i) => i + 1));
      expect(applied.length).toBeGreaterThanOrEqual(2);
    });
  });
});
