import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateApiKey, generateKeyId, hashApiKey } from '../api-key-hash.js';
import { buildLogQuery, type LogQueryDialect } from '../log-query.js';
import { prepareLogEntry, toLogPage } from '../log-row.js';
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  KeyRole,
  LogFilter,
  LogPage,
  RequestLogEntry,
  RequestLogRepository,
  Store,
} from '../types.js';
import { migrateSqlite } from './sqlite-migrations.js';

export const SQLITE_FILE_NAME = 'emothumb.db';

const sqliteDialect: LogQueryDialect = {
  placeholder: () => '?',
  timestamp: (ms) => ms,
  boolean: (value) => (value ? 1 : 0),
};

interface SqliteLogRow {
  id: number;
  request_id: string;
  ts: number;
  request_method: string;
  endpoint: string;
  status_code: number;
  latency_ms: number;
  client_id: string | null;
  success: number;
  prediction: string | null;
  confidence: number | null;
  error_message: string | null;
  error_code: string | null;
  key_id: string | null;
  model: string | null;
}

interface SqliteKeyRow {
  id: string;
  role: KeyRole;
  client_id: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

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
  private closed = false;

  constructor(private readonly db: Database.Database) {
    this.logs = new SqliteRequestLogRepository(db, () => this.close());
    this.keys = new SqliteApiKeyRepository(db);
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

  constructor(
    private readonly db: Database.Database,
    private readonly closeStore: () => Promise<void>,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO request_log (request_id, ts, request_method, endpoint, status_code, latency_ms,
         client_id, success, prediction, confidence, error_message, error_code, key_id, model)
       VALUES (@request_id, @tsMs, @request_method, @endpoint, @status_code, @latency_ms,
         @client_id, @success, @prediction, @confidence, @error_message, @error_code, @key_id, @model)`,
    );
  }

  async insert(entry: RequestLogEntry): Promise<void> {
    const row = prepareLogEntry(entry);
    this.insertStmt.run({ ...row, success: row.success ? 1 : 0 });
  }

  async query(filter: LogFilter): Promise<LogPage> {
    const { sql, params, limit } = buildLogQuery(filter, sqliteDialect);
    // A handful of distinct filter shapes exist (2^7 at most): cache their statements.
    let stmt = this.queries.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.queries.size < 512) this.queries.set(sql, stmt);
    }
    const rows = stmt.all(...params) as SqliteLogRow[];
    return toLogPage(
      rows.map((r) => ({ ...r, tsMs: r.ts, success: r.success === 1 })),
      limit,
    );
  }

  close(): Promise<void> {
    return this.closeStore();
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
