import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError, toErrorShape, type ErrorShape } from '../errors.js';
import type { ClipJobResult } from './clip-job.types.js';
import type { ClipJobRunner } from './job-runner.js';
import {
  CLIP_QUEUE,
  encodeFailure,
  encodeResult,
  resultKey,
  uploadKey,
  type ClipTask,
  type QueuedClipJob,
} from './queue-protocol.js';

/** What becomes of an async job's record (the services layer keeps the store and the webhooks). */
export interface AsyncJobHooks {
  /** Marks the job running; false when it has already ended (nothing left to do). */
  started(id: string): Promise<boolean>;
  succeeded(id: string, task: ClipTask, result: ClipJobResult, latencyMs: number): Promise<void>;
  failed(id: string, error: ErrorShape): Promise<void>;
}

/** How long a worker keeps trying to read a job's upload while Redis is unreachable. */
export const UPLOAD_FETCH_PATIENCE_MS = 15_000;

export interface QueueConsumerOptions {
  redisUrl: string;
  /** Jobs this process runs at once (one per local worker process). */
  concurrency: number;
  /** JOB_ATTEMPTS: starts allowed before a job whose workers keep dying fails with worker_lost. */
  attempts: number;
  /** JOB_STALLED_SECONDS in ms: the lock a worker renews while it runs a job. */
  stalledMs: number;
  /** Where this worker writes uploads for its own processes (its own DATA_DIR). */
  tmpDir: string;
  /** How long a sync job's result waits in Redis for its API node. */
  resultTtlMs: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface ConsumerStats {
  active: number;
  completed: number;
  failed: number;
  lost: number;
}

/**
 * A ROLE=worker's side of the queue: a BullMQ Worker whose processor fetches the clip from
 * Redis into this machine's DATA_DIR and runs it on the local process pool (so a native
 * crash still costs one job, not this process). A job whose previous worker died (BullMQ
 * moved it back from active after its lock expired) is simply run again, until it has been
 * started JOB_ATTEMPTS times; then it fails with worker_lost.
 */
export class QueueConsumer {
  private worker: Worker | undefined;
  private readonly redis: Redis;
  private readonly counts: ConsumerStats = { active: 0, completed: 0, failed: 0, lost: 0 };

  constructor(
    private readonly runner: ClipJobRunner,
    private readonly hooks: AsyncJobHooks,
    private readonly options: QueueConsumerOptions,
  ) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.on('error', () => undefined);
  }

  start(): void {
    const { stalledMs, attempts } = this.options;
    this.worker = new Worker(CLIP_QUEUE, (job: Job<QueuedClipJob>) => this.process(job), {
      connection: { url: this.options.redisUrl },
      concurrency: this.options.concurrency,
      lockDuration: stalledMs,
      stalledInterval: stalledMs,
      // Our own count (attemptsStarted) decides when a job is lost; BullMQ's stall counter must not fail it first.
      maxStalledCount: attempts + 1,
    });
    this.worker.on('error', (err) => this.options.log?.('warn', `queue worker: ${err.message}`));
    this.worker.on('stalled', (jobId) =>
      this.options.log?.('warn', `job ${jobId} stalled (its worker was lost): queued again`, { jobId }),
    );
  }

  async waitUntilReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  private async process(job: Job<QueuedClipJob>): Promise<string | null> {
    const data = job.data;
    const log = this.options.log;
    if (job.attemptsStarted > this.options.attempts) {
      this.counts.lost++;
      const lost = toErrorShape(new AppError('worker_lost'));
      log?.('error', `job ${data.id} lost its worker ${job.attemptsStarted - 1} times: failed`, {
        jobId: data.id,
      });
      if (data.kind === 'async') await this.hooks.failed(data.id, lost);
      await this.redis.del(uploadKey(data.id)).catch(() => undefined);
      throw new UnrecoverableError(encodeFailure(lost));
    }
    if (data.kind === 'async' && !(await this.hooks.started(data.id))) {
      await this.redis.del(uploadKey(data.id)).catch(() => undefined);
      return null;
    }
    this.counts.active++;
    log?.('info', `job ${data.id} (${data.kind} ${data.task}) started, attempt ${job.attemptsStarted}`, {
      jobId: data.id,
    });
    const started = performance.now();
    const path = join(this.options.tmpDir, `${randomUUID()}.job`);
    try {
      const bytes = await this.fetchUpload(data.id);
      if (bytes === null)
        throw new AppError(
          'overloaded',
          'The uploaded clip expired in the queue before a worker took the job.',
        );
      await writeFile(path, bytes);
      const result = await this.runner.run({ ...data.clip, inputPath: path });
      const latencyMs = Math.round(performance.now() - started);
      if (data.kind === 'async') {
        await this.hooks.succeeded(data.id, data.task, result, latencyMs);
      } else {
        await this.redis.set(resultKey(data.id), encodeResult(result), 'PX', this.options.resultTtlMs);
      }
      this.counts.completed++;
      await this.redis.del(uploadKey(data.id)).catch(() => undefined);
      log?.('info', `job ${data.id} (${data.kind} ${data.task}) done in ${latencyMs} ms`, { jobId: data.id });
      return data.kind === 'async' ? 'recorded' : 'stored';
    } catch (err) {
      this.counts.failed++;
      const shape = toErrorShape(err);
      if (!(err instanceof AppError))
        log?.('error', `job ${data.id} failed: ${err instanceof Error ? err.message : String(err)}`, {
          jobId: data.id,
        });
      if (data.kind === 'async') await this.hooks.failed(data.id, shape).catch(() => undefined);
      await this.redis.del(uploadKey(data.id)).catch(() => undefined);
      // Final: a bad video fails once, with the code the sync endpoint gives.
      throw new UnrecoverableError(encodeFailure(shape));
    } finally {
      this.counts.active--;
      await rm(path, { force: true });
    }
  }

  /**
   * The job's upload from Redis. Redis going away for a moment (a restart, a failover) is not
   * the job's fault: the read is retried for up to {@link UPLOAD_FETCH_PATIENCE_MS} before the
   * job fails, so a short outage delays it instead of failing it as `internal`.
   */
  private async fetchUpload(id: string): Promise<Buffer | null> {
    const deadline = Date.now() + UPLOAD_FETCH_PATIENCE_MS;
    for (;;) {
      try {
        return await this.redis.getBuffer(uploadKey(id));
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        this.options.log?.(
          'warn',
          `job ${id}: reading its upload from Redis failed (${(err as Error).message}); retrying`,
          {
            jobId: id,
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  stats(): ConsumerStats {
    return { ...this.counts };
  }

  /** Stops taking jobs and waits for the ones running to finish (SIGTERM drain); `force` does not wait. */
  async close(force = false): Promise<void> {
    await this.worker?.close(force);
    this.redis.disconnect();
  }
}
