import pg from 'pg';
import { generateApiKey, generateKeyId, hashApiKey } from '../api-key-hash.js';
import { buildLogQuery, type LogQueryDialect } from '../log-query.js';
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
import { PostgresJobRepository } from './postgres-jobs.js';
import { PostgresSubjectRepository } from './postgres-subjects.js';
import { migratePostgres } from './postgres-migrations.js';

/** Serialises bootstrap-admin creation across nodes. */
const BOOTSTRAP_LOCK_ID = 7_304_118_210_002;

const postgresDialect: LogQueryDialect = {
  placeholder: (n) => `$${n}`,
  timestamp: (ms) => new Date(ms).toISOString(),
  boolean: (value) => value,
};

/** int8 ids arrive as strings; ts is a timestamptz. */
type PgLogRow = Omit<RequestLogEntry, 'timestamp'> & { id: string; ts: Date };

interface PgKeyRow {
  id: string;
  role: KeyRole;
  client_id: string | null;
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'id, role, client_id, label, created_at, revoked_at';

function toKeyRecord(row: PgKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    role: row.role,
    client_id: row.client_id,
    label: row.label,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

/**
 * PostgreSQL store for several nodes sharing one log. An INSERT resolves after
 * the server has committed it (synchronous_commit is on by default), so a
 * logged request survives the death of this process and of the server.
 */
export async function openPostgresStore(databaseUrl: string): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    idleTimeoutMillis: 30_000,
    // Without it an unreachable host hangs start-up (and every insert) forever.
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (server restart) must not crash the
  // process; the next query gets a fresh connection or a proper error.
  pool.on('error', () => {});
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresStore(pool);
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly logs: RequestLogRepository;
  readonly keys: ApiKeyRepository;
  readonly jobs: JobRepository;
  readonly subjects: SubjectRepository;
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {
    this.logs = new PostgresRequestLogRepository(pool, () => this.close());
    this.keys = new PostgresApiKeyRepository(pool);
    this.jobs = new PostgresJobRepository(pool);
    this.subjects = new PostgresSubjectRepository(pool);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

class PostgresRequestLogRepository implements RequestLogRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly closeStore: () => Promise<void>,
  ) {}

  async insert(entry: RequestLogEntry): Promise<void> {
    const r = prepareLogEntry(entry);
    await this.pool.query({
      name: 'request_log_insert',
      text: `INSERT INTO request_log (request_id, ts, request_method, endpoint, status_code, latency_ms,
               client_id, success, prediction, confidence, error_message, error_code, key_id, model)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      values: [
        r.request_id,
        new Date(r.tsMs).toISOString(),
        r.request_method,
        r.endpoint,
        r.status_code,
        r.latency_ms,
        r.client_id,
        r.success,
        r.prediction,
        r.confidence,
        r.error_message,
        r.error_code,
        r.key_id,
        r.model,
      ],
    });
  }

  async query(filter: LogFilter): Promise<LogPage> {
    const { sql, params, limit } = buildLogQuery(filter, postgresDialect);
    const { rows } = await this.pool.query<PgLogRow>(sql, params);
    return toLogPage(
      rows.map((r) => ({ ...r, id: Number(r.id), tsMs: r.ts.getTime() })),
      limit,
    );
  }

  close(): Promise<void> {
    return this.closeStore();
  }
}

class PostgresApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(input: { role: KeyRole; client_id: string | null; label?: string | null }) {
    return this.insertKey(this.pool, input);
  }

  private async insertKey(
    db: pg.Pool | pg.PoolClient,
    input: { role: KeyRole; client_id: string | null; label?: string | null },
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateApiKey();
    const { rows } = await db.query<PgKeyRow>(
      `INSERT INTO api_keys (id, key_hash, role, client_id, label, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${KEY_COLUMNS}`,
      [
        generateKeyId(),
        hashApiKey(key),
        input.role,
        input.client_id,
        input.label ?? null,
        new Date().toISOString(),
      ],
    );
    return { record: toKeyRecord(rows[0]), key };
  }

  async findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<PgKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    return rows[0] ? toKeyRecord(rows[0]) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<PgKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`,
    );
    return rows.map(toKeyRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async countActiveAdmins(): Promise<number> {
    return this.countAdmins(this.pool);
  }

  private async countAdmins(db: pg.Pool | pg.PoolClient): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      "SELECT COUNT(*)::int AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL",
    );
    return rows[0].n;
  }

  async createAdminIfNone(label: string | null = 'bootstrap admin') {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
        const created =
          (await this.countAdmins(client)) === 0
            ? await this.insertKey(client, { role: 'admin', client_id: null, label })
            : undefined;
        await client.query('COMMIT');
        return created;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }
}
