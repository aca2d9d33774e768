import type Database from 'better-sqlite3';
import type { JobOutcome, JobRecord, JobRepository, JobStatus, NewJob, WebhookDelivery } from '../types.js';

/** A job row as SQLite holds it: times as epoch ms, result and error as JSON text. */
interface SqliteJobRow extends Omit<
  JobRecord,
  'created_at' | 'started_at' | 'finished_at' | 'expires_at' | 'result' | 'error'
> {
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number;
  result: string | null;
  error: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toRecord(row: SqliteJobRow): JobRecord {
  return {
    ...row,
    created_at: iso(row.created_at)!,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    expires_at: iso(row.expires_at)!,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error === null ? null : (JSON.parse(row.error) as JobRecord['error']),
  };
}

/** Jobs in SQLite: the single-process default (one writer, so transactions are simple). */
export class SqliteJobRepository implements JobRepository {
  constructor(private readonly db: Database.Database) {}

  async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const tx = this.db.transaction((): { job: JobRecord; created: boolean } => {
      if (job.idempotency_key !== null) {
        this.db
          .prepare('DELETE FROM jobs WHERE owner = ? AND idempotency_key = ? AND expires_at <= ?')
          .run(job.owner, job.idempotency_key, Date.parse(job.created_at));
        const existing = this.db
          .prepare('SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?')
          .get(job.owner, job.idempotency_key) as SqliteJobRow | undefined;
        if (existing) return { job: toRecord(existing), created: false };
      }
      this.db
        .prepare(
          `INSERT INTO jobs (id, task, status, owner, client_id, key_id, request_id, idempotency_key,
             request_fingerprint, callback_url, subject_id, created_at, expires_at, attempts)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        )
        .run(
          job.id,
          job.task,
          job.owner,
          job.client_id,
          job.key_id,
          job.request_id,
          job.idempotency_key,
          job.request_fingerprint,
          job.callback_url,
          job.subject_id ?? null,
          Date.parse(job.created_at),
          Date.parse(job.expires_at),
        );
      const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(job.id) as SqliteJobRow;
      return { job: toRecord(row), created: true };
    });
    return tx.immediate();
  }

  async get(id: string, now = new Date()): Promise<JobRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM jobs WHERE id = ? AND expires_at > ?')
      .get(id, now.getTime()) as SqliteJobRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async markRunning(id: string, at: Date): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1
         WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(at.getTime(), id);
    return r.changes > 0;
  }

  async finish(id: string, outcome: JobOutcome, at: Date): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE jobs SET status = ?, finished_at = ?, result = ?, error = ?
         WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(
        outcome.status,
        at.getTime(),
        outcome.status === 'succeeded' ? JSON.stringify(outcome.result) : null,
        outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        id,
      );
    return r.changes > 0;
  }

  async countByStatus(now = new Date()): Promise<Record<JobStatus, number>> {
    const rows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM jobs WHERE expires_at > ? GROUP BY status')
      .all(now.getTime()) as { status: JobStatus; n: number }[];
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  async unfinishedBefore(before: Date, limit: number, now = new Date()): Promise<string[]> {
    const rows = this.db
      .prepare(
        `SELECT id FROM jobs WHERE status IN ('queued', 'running') AND created_at < ? AND expires_at > ?
         ORDER BY created_at, id LIMIT ?`,
      )
      .all(before.getTime(), now.getTime(), limit) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async failUnfinished(error: { error: string; code: string }, at: Date): Promise<number> {
    return this.db
      .prepare(
        `UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE status IN ('queued', 'running')`,
      )
      .run(at.getTime(), JSON.stringify(error)).changes;
  }

  async discard(id: string): Promise<void> {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }

  async deleteExpired(now: Date): Promise<number> {
    const tx = this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM webhook_deliveries WHERE job_id IN (SELECT id FROM jobs WHERE expires_at <= ?)')
        .run(now.getTime());
      return this.db.prepare('DELETE FROM jobs WHERE expires_at <= ?').run(now.getTime()).changes;
    });
    return tx.immediate();
  }

  async recordDelivery(d: WebhookDelivery): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO webhook_deliveries (job_id, attempt, url, status_code, ok, error, delivered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(d.job_id, d.attempt, d.url, d.status_code, d.ok ? 1 : 0, d.error, Date.parse(d.delivered_at));
  }

  async deliveries(jobId: string): Promise<WebhookDelivery[]> {
    const rows = this.db
      .prepare(
        `SELECT job_id, attempt, url, status_code, ok, error, delivered_at FROM webhook_deliveries
         WHERE job_id = ? ORDER BY id`,
      )
      .all(jobId) as (Omit<WebhookDelivery, 'ok' | 'delivered_at'> & { ok: number; delivered_at: number })[];
    return rows.map((r) => ({ ...r, ok: r.ok === 1, delivered_at: iso(r.delivered_at)! }));
  }
}
