import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { ClipJobResult } from './clip-job.types.js';
import type { ClipJob, ClipJobRunner, ClipJobRunnerStats } from './job-runner.js';
import {
  CLIP_QUEUE,
  decodeFailure,
  decodeResult,
  resultKey,
  uploadKey,
  type ClipTask,
  type QueuedClipJob,
} from './queue-protocol.js';

export interface QueueRunnerOptions {
  redisUrl: string;
  /** Sync jobs that may wait cluster-wide (QUEUE_SIZE); beyond it 503 overloaded. */
  queueSize: number;
  /** Async jobs that may wait cluster-wide (JOB_QUEUE_SIZE). */
  jobQueueSize: number;
  /** A worker's time limit per job (JOB_TIMEOUT_SECONDS). */
  jobTimeoutMs: number;
  /** JOB_ATTEMPTS: how many lost workers a job may cost. */
  jobAttempts: number;
  /** JOB_STALLED_SECONDS in ms: how long a lost worker's job takes to be noticed. */
  stalledMs: number;
  /** How long an async job's upload may wait in Redis for a worker (the job TTL). */
  asyncUploadTtlMs: number;
  retryAfterSeconds?: number;
  /** Told when a sync job ends (for the job latency histogram). */
  onSyncEnd?: (task: ClipTask, status: 'succeeded' | 'failed', seconds: number) => void;
}

export interface QueueDepth {
  /** Sync jobs waiting (API nodes hold a connection for each). */
  sync: number;
  /** Async jobs waiting. */
  async: number;
  active: number;
  workers: number;
}

/**
 * Clip jobs on a BullMQ queue in Redis, for API nodes that never decode: the upload goes
 * into Redis under its own key (binary, with a TTL; removed by the worker when the job
 * ends), the job's data is plain JSON, and a sync request waits for the job's completion
 * event and reads the result from Redis. Sync jobs carry no priority and async ones do, so
 * a backlog of async work never delays a client holding a connection open.
 */
export class QueueRunner implements ClipJobRunner {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private depth: QueueDepth = { sync: 0, async: 0, active: 0, workers: 0 };
  private completed = 0;
  private failed = 0;
  private refreshes = 0;

  constructor(private readonly options: QueueRunnerOptions) {
    const connection = { url: options.redisUrl };
    this.queue = new Queue(CLIP_QUEUE, {
      connection,
      // A few thousand events kept: they are small (results travel under their own keys).
      streams: { events: { maxLen: 10_000 } },
    });
    this.events = new QueueEvents(CLIP_QUEUE, { connection });
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    // Errors surface on the calls that need Redis; an emitter without a listener would throw.
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.redis.on('error', () => undefined);
  }

  /** Connects; the engine is the workers' business. */
  async start(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 250);
    this.timer.unref();
    this.ready = true;
  }

  isReady(): boolean {
    return this.ready;
  }

  /** Queue counts, read often and cheaply (one round trip) so that refusals need no wait. */
  private async refresh(): Promise<void> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'active');
    this.depth = {
      sync: counts.wait ?? 0,
      async: counts.prioritized ?? 0,
      active: counts.active ?? 0,
      workers: this.depth.workers,
    };
    // The worker count is a CLIENT LIST scan: every 20th refresh (5 s) is enough.
    if (this.refreshes++ % 20 === 0) this.depth.workers = await this.queue.getWorkersCount();
  }

  queueDepth(): QueueDepth {
    return { ...this.depth };
  }

  private overloaded(): AppError {
    return new AppError('overloaded', undefined, {
      'retry-after': String(this.options.retryAfterSeconds ?? 2),
    });
  }

  private notReady(): AppError {
    return new AppError('not_ready', 'The service is connecting to its queue; retry shortly.', {
      'retry-after': '5',
    });
  }

  private static full(waiting: number, bound: number): boolean {
    // A bound of 0 still lets a job in when nothing waits (a free worker takes it at once).
    return waiting > 0 && waiting >= bound;
  }

  isSaturated(): boolean {
    return QueueRunner.full(this.depth.sync, this.options.queueSize);
  }

  /** True when an async job would be refused. */
  isAsyncFull(): boolean {
    return QueueRunner.full(this.depth.async, this.options.jobQueueSize);
  }

  private async put(
    job: ClipJob,
    id: string,
    ttlMs: number,
  ): Promise<QueuedClipJob['clip'] & { bytes: number }> {
    const bytes = await readFile(job.inputPath);
    await this.redis.set(uploadKey(id), bytes, 'PX', Math.max(1000, Math.round(ttlMs)));
    const { inputPath: _path, ...clip } = job;
    return { ...clip, bytes: bytes.length };
  }

  private static taskOf(job: ClipJob): ClipTask {
    if (!job.thumbnail) return 'predict';
    return job.predict && !job.faceOptional ? 'analyze' : 'thumbnail';
  }

  private static readonly JOB_OPTIONS: JobsOptions = {
    // Errors are final (a bad video fails once); lost workers are BullMQ's stalled-job recovery.
    attempts: 1,
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600, count: 10_000 },
  };

  async run(job: ClipJob): Promise<ClipJobResult> {
    const started = performance.now();
    const task = QueueRunner.taskOf(job);
    try {
      const result = await this.unreachableAsNotReady(() => this.runSync(job, task));
      this.options.onSyncEnd?.(task, 'succeeded', (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      this.options.onSyncEnd?.(task, 'failed', (performance.now() - started) / 1000);
      throw err;
    }
  }

  /** Redis unreachable (a restart, a network cut) is a 503 to retry, not our bug. */
  private async unreachableAsNotReady<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('not_ready', 'The job queue is unreachable; retry shortly.', { 'retry-after': '5' });
    }
  }

  private async runSync(job: ClipJob, task: ClipTask): Promise<ClipJobResult> {
    if (!this.ready) throw this.notReady();
    await this.refresh();
    if (this.isSaturated()) throw this.overloaded();
    const id = randomUUID();
    const { attempts, stalledMs, jobTimeoutMs } = {
      attempts: this.options.jobAttempts,
      stalledMs: this.options.stalledMs,
      jobTimeoutMs: this.options.jobTimeoutMs,
    };
    // Long enough for a full queue ahead, every allowed attempt and the stalls between them.
    const waitMs = (jobTimeoutMs + 2 * stalledMs) * (attempts + 1) + 10_000;
    const { bytes, ...clip } = await this.put(job, id, waitMs);
    const data: QueuedClipJob = { kind: 'sync', id, task, clip, bytes };
    try {
      const added = await this.queue.add('sync', data, { ...QueueRunner.JOB_OPTIONS, jobId: id });
      try {
        await added.waitUntilFinished(this.events, waitMs);
      } catch (err) {
        this.failed++;
        const message = err instanceof Error ? err.message : String(err);
        if (/timed out before finishing/.test(message))
          throw new AppError(
            'processing_timeout',
            `No worker finished the video within ${Math.round(waitMs / 1000)} s.`,
          );
        throw decodeFailure(message);
      }
      const text = await this.redis.get(resultKey(id));
      if (text === null) throw new Error(`the result of job ${id} is missing from Redis`);
      this.completed++;
      return decodeResult(text);
    } finally {
      await this.redis.del(uploadKey(id), resultKey(id)).catch(() => undefined);
    }
  }

  /** Queues an async job under our id; resolves once Redis has it (the upload included). */
  enqueueAsync(id: string, task: ClipTask, job: ClipJob): Promise<void> {
    return this.unreachableAsNotReady(() => this.addAsync(id, task, job));
  }

  private async addAsync(id: string, task: ClipTask, job: ClipJob): Promise<void> {
    if (!this.ready) throw this.notReady();
    await this.refresh();
    if (this.isAsyncFull()) throw this.overloaded();
    const { bytes, ...clip } = await this.put(job, id, this.options.asyncUploadTtlMs);
    const data: QueuedClipJob = { kind: 'async', id, task, clip, bytes };
    try {
      await this.queue.add('async', data, { ...QueueRunner.JOB_OPTIONS, jobId: id, priority: 1 });
    } catch (err) {
      await this.redis.del(uploadKey(id)).catch(() => undefined);
      throw err;
    }
  }

  /** Which of these async jobs the queue no longer holds in any state (throws when Redis cannot be asked). */
  async missingJobs(ids: string[]): Promise<string[]> {
    const found = await Promise.all(ids.map((id) => this.queue.getJob(id)));
    return ids.filter((_, i) => found[i] === undefined);
  }

  stats(): ClipJobRunnerStats {
    return {
      workers: this.depth.workers,
      busy: this.depth.active,
      queued: this.depth.sync + this.depth.async,
      completed: this.completed,
      failed: this.failed,
      crashed: 0,
    };
  }

  async close(): Promise<void> {
    this.ready = false;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }
}
