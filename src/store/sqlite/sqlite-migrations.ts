import type Database from 'better-sqlite3';
import { FILTER_INDEXES_SQL } from '../filter-indexes.js';

/**
 * Append-only: a released migration is never edited, a change is a new entry.
 * Timestamps are epoch ms integers (compact, and range scans compare integers).
 * Every filterable column leads an index whose implicit tail is the rowid, so
 * `WHERE col = ? ORDER BY ts DESC, id DESC LIMIT n` reads n index entries.
 */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE request_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        request_method TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        client_id TEXT,
        success INTEGER NOT NULL,
        prediction TEXT,
        confidence REAL,
        error_message TEXT,
        error_code TEXT,
        key_id TEXT,
        model TEXT
      );
      CREATE INDEX request_log_ts ON request_log (ts);
      CREATE INDEX request_log_client_ts ON request_log (client_id, ts);
      CREATE INDEX request_log_status_ts ON request_log (status_code, ts);
      CREATE INDEX request_log_success_ts ON request_log (success, ts);
      CREATE INDEX request_log_endpoint_ts ON request_log (endpoint, ts);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
        client_id TEXT,
        label TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
    `,
  },
  {
    // Each filter index carries the other filter columns after (ts, id), so a
    // query combining filters tests them inside the index and reads only
    // matching rows from the table: 5-10x faster for rare combinations.
    version: 2,
    sql: FILTER_INDEXES_SQL,
  },
  {
    // Async jobs (times as epoch ms) and their webhook deliveries. One unexpired job per
    // (owner, idempotency key): expired ones are deleted before a new one takes the key.
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
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        expires_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        error TEXT
      );
      CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_expires ON jobs (expires_at);
      CREATE INDEX jobs_status ON jobs (status);
      CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        url TEXT NOT NULL,
        status_code INTEGER,
        ok INTEGER NOT NULL,
        error TEXT,
        delivered_at INTEGER NOT NULL
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
    // Learning a person from their corrections: each answer given for a subject keeps the log
    // of its five probabilities (JSON array) and, once corrected, the emotion the person said;
    // each subject keeps its learnt bias. Jobs remember their subject until their answer.
    // The request log is found by request id to tell an answer without a subject (422) from none (404).
    version: 5,
    sql: `
      CREATE TABLE subject_answers (
        request_id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        logits TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        corrected TEXT,
        corrected_at INTEGER
      );
      CREATE INDEX subject_answers_subject ON subject_answers (scope, subject_id);
      CREATE TABLE subjects (
        scope TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        bias TEXT NOT NULL,
        corrections INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, subject_id)
      );
      ALTER TABLE jobs ADD COLUMN subject_id TEXT;
      CREATE INDEX request_log_request_id ON request_log (request_id);
    `,
  },
];

/** The index led by each equality filter (migration 2). */
export const SQLITE_FILTER_INDEX = {
  client_id: 'request_log_by_client',
  status_code: 'request_log_by_status',
  success: 'request_log_by_success',
  endpoint: 'request_log_by_endpoint',
} as const;

export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function migrateSqlite(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  // IMMEDIATE takes the write lock first, so two processes opening a new
  // database at once cannot both apply the same migration.
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new Error(
        `The database schema (version ${current}) is newer than this build understands (${SQLITE_SCHEMA_VERSION}).`,
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        m.version,
        new Date().toISOString(),
      );
    }
  });
  apply.immediate();
}
