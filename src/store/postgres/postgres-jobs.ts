import type pg from 'pg';
import type { JobOutcome, JobRecord, JobRepository, JobStatus, NewJob, WebhookDelivery } from '../types.js';

/** A job row as pg returns it: timestamptz as Date, jsonb parsed. */
interface PgJobRow extends Omit<JobRecord, 'created_at' | 'started_at' | 'finished_at' | 'expires_at'> {
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date;
}

function toRecord(row: PgJobRow): JobRecord {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    expires_at: row.expires_at.toISOString(),
  };
}

/**
 * Jobs in PostgreSQL, shared by every API node and worker. Every change is one statement
 * guarded by the job's status, so two workers (a stalled job picked up again) or two API
 * nodes (the same idempotency key at once) cannot both win.
 */
export class PostgresJobRepository implements JobRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    if (job.idempotency_key !== null) {
      await this.pool.query(
        'DELETE FROM jobs WHERE owner = $1 AND idempotency_key = $2 AND expires_at <= $3',
        [job.owner, job.idempotency_key, job.created_at],
      );
    }
    const inserted = await this.pool.query<PgJobRow>(
      `INSERT INTO jobs (id, task, status, owner, client_id, key_id, request_id, idempotency_key,
         request_fingerprint, callback_url, subject_id, created_at, expires_at, attempts)
       VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)
       ON CONFLICT DO NOTHING RETURNING *`,
      [
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
        job.created_at,
        job.expires_at,
      ],
    );
    if (inserted.rows[0]) return { job: toRecord(inserted.rows[0]), created: true };
    const { rows } = await this.pool.query<PgJobRow>(
      'SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2',
      [job.owner, job.idempotency_key],
    );
    if (!rows[0]) throw new Error(`job ${job.id} was neither inserted nor found`);
    return { job: toRecord(rows[0]), created: false };
  }

  async get(id: string, now = new Date()): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<PgJobRow>('SELECT * FROM jobs WHERE id = $1 AND expires_at > $2', [
      id,
      now,
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async markRunning(id: string, at: Date): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, $1), attempts = attempts + 1
       WHERE id = $2 AND status IN ('queued', 'running')`,
      [at, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async finish(id: string, outcome: JobOutcome, at: Date): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE jobs SET status = $1, finished_at = $2, result = $3, error = $4
       WHERE id = $5 AND status IN ('queued', 'running')`,
      [
        outcome.status,
        at,
        outcome.status === 'succeeded' ? JSON.stringify(outcome.result) : null,
        outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        id,
      ],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async countByStatus(now = new Date()): Promise<Record<JobStatus, number>> {
    const { rows } = await this.pool.query<{ status: JobStatus; n: number }>(
      'SELECT status, COUNT(*)::int AS n FROM jobs WHERE expires_at > $1 GROUP BY status',
      [now],
    );
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  async unfinishedBefore(before: Date, limit: number, now = new Date()): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM jobs WHERE status IN ('queued', 'running') AND created_at < $1 AND expires_at > $2
       ORDER BY created_at, id LIMIT $3`,
      [before, now, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Never called in cluster mode: there, unfinished jobs belong to the queue, not to one process. */
  async failUnfinished(error: { error: string; code: string }, at: Date): Promise<number> {
    const r = await this.pool.query(
      `UPDATE jobs SET status = 'failed', finished_at = $1, error = $2 WHERE status IN ('queued', 'running')`,
      [at, JSON.stringify(error)],
    );
    return r.rowCount ?? 0;
  }

  async discard(id: string): Promise<void> {
    await this.pool.query('DELETE FROM jobs WHERE id = $1', [id]);
  }

  async deleteExpired(now: Date): Promise<number> {
    await this.pool.query(
      'DELETE FROM webhook_deliveries WHERE job_id IN (SELECT id FROM jobs WHERE expires_at <= $1)',
      [now],
    );
    const r = await this.pool.query('DELETE FROM jobs WHERE expires_at <= $1', [now]);
    return r.rowCount ?? 0;
  }

  async recordDelivery(d: WebhookDelivery): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhook_deliveries (job_id, attempt, url, status_code, ok, error, delivered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [d.job_id, d.attempt, d.url, d.status_code, d.ok, d.error, d.delivered_at],
    );
  }

  async deliveries(jobId: string): Promise<WebhookDelivery[]> {
    const { rows } = await this.pool.query<Omit<WebhookDelivery, 'delivered_at'> & { delivered_at: Date }>(
      `SELECT job_id, attempt, url, status_code, ok, error, delivered_at FROM webhook_deliveries
       WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );
    return rows.map((r) => ({ ...r, delivered_at: r.delivered_at.toISOString() }));
  }
}
