import type pg from 'pg';
import { FILTER_INDEXES_SQL } from '../filter-indexes.js';

/** Any fixed 64-bit number; serialises schema changes across nodes starting at once. */
export const MIGRATION_LOCK_ID = 7_304_118_210_001;

/**
 * Append-only, like the SQLite list. ts is timestamptz (millisecond values);
 * PostgreSQL indexes do not carry the row id implicitly, so each index ends in
 * (ts, id) to serve `ORDER BY ts DESC, id DESC` with a backward index scan.
 */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE request_log (
        id BIGSERIAL PRIMARY KEY,
        request_id TEXT NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        request_method TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        client_id TEXT,
        success BOOLEAN NOT NULL,
        prediction TEXT,
        confidence DOUBLE PRECISION,
        error_message TEXT,
        error_code TEXT,
        key_id TEXT,
        model TEXT
      );
      CREATE INDEX request_log_ts ON request_log (ts, id);
      CREATE INDEX request_log_client_ts ON request_log (client_id, ts, id);
      CREATE INDEX request_log_status_ts ON request_log (status_code, ts, id);
      CREATE INDEX request_log_success_ts ON request_log (success, ts, id);
      CREATE INDEX request_log_endpoint_ts ON request_log (endpoint, ts, id);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
        client_id TEXT,
        label TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      );
    `,
  },
  {
    // The other filter columns after (ts, id) become index quals: rows that do
    // not match a combined filter are skipped without visiting the heap.
    version: 2,
    sql: FILTER_INDEXES_SQL,
  },
  {
    // Async jobs and their webhook deliveries, shared by every API node and worker. One
    // unexpired job per (owner, idempotency key): expired ones are deleted before a new
    // one takes the key. result is the sync endpoint's body (jsonb).
    version: 3,
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        status TEXT NOT NULL,
        owner TEXT NOT NULL,
        client_id TEXT,
        key_id TEXT,
        request_id TEXT,
        idempotency_key TEXT,
        callback_url TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        expires_at TIMESTAMPTZ NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        result JSONB,
        error JSONB
      );
      CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_expires ON jobs (expires_at);
      CREATE INDEX jobs_status ON jobs (status);
      CREATE TABLE webhook_deliveries (
        id BIGSERIAL PRIMARY KEY,
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        url TEXT NOT NULL,
        status_code INTEGER,
        ok BOOLEAN NOT NULL,
        error TEXT,
        delivered_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id, id);
    `,
  },
  {
    // What an Idempotency-Key was first used for (endpoint, options, a hash of the upload):
    // the same key with a different request is refused rather than answered with the first job.
    version: 4,
    sql: `ALTER TABLE jobs ADD COLUMN request_fingerprint TEXT;`,
  },
  {
    // Learning a person from their corrections (see the SQLite list). A correction locks its
    // subject's row, so two nodes refitting the same subject take turns.
    version: 5,
    sql: `
      CREATE TABLE subject_answers (
        request_id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        logits DOUBLE PRECISION[] NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        corrected TEXT,
        corrected_at TIMESTAMPTZ
      );
      CREATE INDEX subject_answers_subject ON subject_answers (scope, subject_id);
      CREATE TABLE subjects (
        scope TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        bias DOUBLE PRECISION[] NOT NULL,
        corrections INTEGER NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (scope, subject_id)
      );
      ALTER TABLE jobs ADD COLUMN subject_id TEXT;
      CREATE INDEX request_log_request_id ON request_log (request_id);
    `,
  },
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_migrations',
      );
      const current = rows[0]?.v ?? 0;
      if (current > POSTGRES_SCHEMA_VERSION) {
        throw new Error(
          `The database schema (version ${current}) is newer than this build understands (${POSTGRES_SCHEMA_VERSION}).`,
        );
      }
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}
