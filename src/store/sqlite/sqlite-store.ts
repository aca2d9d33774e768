import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateApiKey, generateKeyId, hashApiKey } from '../api-key-hash.js';
import {
  buildLogQuery,
  EQUALITY_COLUMNS,
  equalityColumns,
  type EqualityColumn,
  type LogQueryDialect,
} from '../log-query.js';
import { prepareLogEntry, toLogPage } from '../log-row.js';
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  JobRepository,
  SubjectRepository,
  KeyRole,
  LogFilter,
  LogPage,
  RequestLogEntry,
  RequestLogRepository,
  Store,
} from '../types.js';
import { SqliteJobRepository } from './sqlite-jobs.js';
import { SqliteSubjectRepository } from './sqlite-subjects.js';
import { migrateSqlite, SQLITE_FILTER_INDEX } from './sqlite-migrations.js';

export const SQLITE_FILE_NAME = 'emothumb.db';

const sqliteDialect: LogQueryDialect = {
  placeholder: () => '?',
  timestamp: (ms) => ms,
  boolean: (value) => (value ? 1 : 0),
};

/** SQLite has no boolean or timestamp type: success is 0/1 and ts is epoch milliseconds. */
type SqliteLogRow = Omit<RequestLogEntry, 'timestamp' | 'success'> & {
  id: number;
  ts: number;
  success: number;
};

/** A key row as SQLite returns it: the record's own columns. */
type SqliteKeyRow = ApiKeyRecord;

const KEY_COLUMNS = 'id, role, client_id, label, created_at, revoked_at';

/**
 * Opens (creating if needed) `<dataDir>/emothumb.db`. WAL with synchronous=NORMAL:
 * a committed transaction is in the WAL file (the OS page cache) before the
 * call returns, so it survives a kill -9 of this process; only an OS crash or
 * power loss can lose the last few commits. better-sqlite3 is synchronous and
 * an insert takes tens of microseconds, so we do not move it off the event loop.
 */
export function openSqliteStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  return openSqliteStoreAt(join(dataDir, SQLITE_FILE_NAME));
}

export function openSqliteStoreAt(file: string): Store {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The keys CLI may write while the server runs; wait instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000');
    migrateSqlite(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStore(db);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly logs: RequestLogRepository;
  readonly keys: ApiKeyRepository;
  readonly jobs: JobRepository;
  readonly subjects: SubjectRepository;
  private closed = false;

  constructor(private readonly db: Database.Database) {
    this.logs = new SqliteRequestLogRepository(db, () => this.close());
    this.keys = new SqliteApiKeyRepository(db);
    this.jobs = new SqliteJobRepository(db);
    this.subjects = new SqliteSubjectRepository(db);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Keeps planner statistics fresh for the next start; cheap when nothing changed.
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }
}

class SqliteRequestLogRepository implements RequestLogRepository {
  private readonly insertStmt: Database.Statement;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly counts: ValueCounts;

  constructor(
    private readonly db: Database.Database,
    private readonly closeStore: () => Promise<void>,
  ) {
    this.counts = new ValueCounts(db);
    this.insertStmt = db.prepare(
      `INSERT INTO request_log (request_id, ts, request_method, endpoint, status_code, latency_ms,
         client_id, success, prediction, confidence, error_message, error_code, key_id, model)
       VALUES (@request_id, @tsMs, @request_method, @endpoint, @status_code, @latency_ms,
         @client_id, @success, @prediction, @confidence, @error_message, @error_code, @key_id, @model)`,
    );
  }

  async insert(entry: RequestLogEntry): Promise<void> {
    const prepared = prepareLogEntry(entry);
    const row = { ...prepared, success: prepared.success ? 1 : 0 };
    this.insertStmt.run(row);
    this.counts.onInsert(row);
  }

  async query(filter: LogFilter): Promise<LogPage> {
    const { sql, params, limit } = buildLogQuery(filter, sqliteDialect, {
      indexHint: this.chooseIndex(filter),
    });
    const rows = this.statement(sql).all(...params) as SqliteLogRow[];
    return toLogPage(
      rows.map((r) => ({ ...r, tsMs: r.ts, success: r.success === 1 })),
      limit,
    );
  }

  close(): Promise<void> {
    return this.closeStore();
  }

  /** Few distinct filter shapes exist (a few hundred at most): cache their statements. */
  private statement(sql: string): Database.Statement {
    let stmt = this.queries.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.queries.size < 1024) this.queries.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * With two or more equality filters, SQLite's planner guesses which index is
   * narrowest from average statistics (when ANALYZE has run at all) and may
   * walk 350k entries of a big client to find a rare status. We know better:
   * we force the index of the filter value with the fewest rows, from exact
   * per-value counts kept by ValueCounts.
   */
  private chooseIndex(filter: LogFilter): string | undefined {
    const columns = equalityColumns(filter);
    if (columns.length < 2) return undefined;
    let best: { column: EqualityColumn; n: number } | undefined;
    for (const column of columns) {
      const n = this.counts.get(column, filterValue(filter, column));
      if (!best || n < best.n) best = { column, n };
    }
    return best && SQLITE_FILTER_INDEX[best.column];
  }
}

function filterValue(filter: LogFilter, column: EqualityColumn): string | number {
  if (column === 'success') return filter.success ? 1 : 0;
  return filter[column]!;
}

/**
 * Exact row counts per filter value, computed on first use (an index-only
 * count: ~50 ms for 850k rows, once per value per process) and then kept
 * current by the inserts this process makes. A count that drifts (another
 * process writing the same file) only makes an index choice worse, never a
 * result wrong.
 */
class ValueCounts {
  private readonly counts = new Map<EqualityColumn, Map<string | number, number>>(
    EQUALITY_COLUMNS.map((c) => [c, new Map()]),
  );
  private readonly statements = new Map<EqualityColumn, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(column: EqualityColumn, value: string | number): number {
    const known = this.counts.get(column)!;
    let n = known.get(value);
    if (n === undefined) {
      let stmt = this.statements.get(column);
      if (!stmt) {
        stmt = this.db
          .prepare(
            `SELECT COUNT(*) AS n FROM request_log INDEXED BY ${SQLITE_FILTER_INDEX[column]} WHERE ${column} = ?`,
          )
          .pluck();
        this.statements.set(column, stmt);
      }
      n = stmt.get(value) as number;
      // Endpoints are as sent, so their values are unbounded: forget rather than grow.
      if (known.size >= 10_000) known.clear();
      known.set(value, n);
    }
    return n;
  }

  onInsert(row: { client_id: string | null; status_code: number; success: number; endpoint: string }): void {
    for (const column of EQUALITY_COLUMNS) {
      const value = row[column];
      if (value === null) continue;
      const known = this.counts.get(column)!;
      const n = known.get(value);
      if (n !== undefined) known.set(value, n + 1);
    }
  }
}

class SqliteApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Database.Database) {}

  async create(input: { role: KeyRole; client_id: string | null; label?: string | null }) {
    return this.insertKey(input);
  }

  private insertKey(input: { role: KeyRole; client_id: string | null; label?: string | null }): {
    record: ApiKeyRecord;
    key: string;
  } {
    const key = generateApiKey();
    const record: ApiKeyRecord = {
      id: generateKeyId(),
      role: input.role,
      client_id: input.client_id,
      label: input.label ?? null,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.db
      .prepare(
        `INSERT INTO api_keys (id, key_hash, role, client_id, label, created_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(record.id, hashApiKey(key), record.role, record.client_id, record.label, record.created_at);
    return { record, key };
  }

  async findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.db
      .prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`)
      .get(hash) as SqliteKeyRow | undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.db
      .prepare(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`)
      .all() as SqliteKeyRow[];
  }

  async revoke(id: string): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), id);
    return result.changes > 0;
  }

  async countActiveAdmins(): Promise<number> {
    return this.countAdmins();
  }

  private countAdmins(): number {
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL")
      .get() as { n: number };
    return row.n;
  }

  async createAdminIfNone(label: string | null = 'bootstrap admin') {
    const tx = this.db.transaction(() =>
      this.countAdmins() === 0 ? this.insertKey({ role: 'admin', client_id: null, label }) : undefined,
    );
    return tx.immediate();
  }
}
