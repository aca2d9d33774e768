import { AppError, toErrorShape } from '../errors.js';
import type { QueueRunner } from '../jobs/bullmq-runner.js';
import type { ClipJob, ClipJobRunner } from '../jobs/job-runner.js';
import type { JobRecord } from '../store/index.js';
import type { JobLifecycle } from './job-lifecycle.js';

/** Where accepted async jobs go: the local process pool, or the cluster's queue. */
export interface JobDispatcher {
  /**
   * Takes the job over (and its upload: `release` removes the spooled file when it is no
   * longer needed). Resolves once the job is safely queued; rejects (an AppError such as
   * overloaded) when it could not be.
   */
  dispatch(job: JobRecord, clip: ClipJob, release: () => Promise<void>): Promise<void>;
  /** True when a new job would be refused (lets HTTP refuse before reading an upload). */
  isFull(): boolean;
}

/**
 * The single-process default: the job runs on the same local pool as the sync endpoints
 * (and shares its QUEUE_SIZE bound); its upload stays in DATA_DIR/tmp until it has run.
 * Jobs do not survive a restart here: start-up fails whatever was left unfinished.
 */
export class LocalJobDispatcher implements JobDispatcher {
  constructor(
    private readonly runner: Pick<ClipJobRunner, 'run' | 'isSaturated'>,
    private readonly lifecycle: JobLifecycle,
  ) {}

  isFull(): boolean {
    return this.runner.isSaturated();
  }

  async dispatch(job: JobRecord, clip: ClipJob, release: () => Promise<void>): Promise<void> {
    if (this.runner.isSaturated()) {
      await release();
      throw new AppError('overloaded', undefined, { 'retry-after': '2' });
    }
    void this.execute(job, clip).finally(() => void release().catch(() => undefined));
  }

  private async execute(job: JobRecord, clip: ClipJob): Promise<void> {
    try {
      const started = performance.now();
      // Handed to the pool first, so that its place in the pool's queue is taken now (the
      // saturation check in dispatch() stays true to what follows).
      const pending = this.runner.run(clip);
      pending.catch(() => undefined);
      await this.lifecycle.started(job.id);
      const result = await pending;
      await this.lifecycle.succeeded(job.id, job.task, result, Math.round(performance.now() - started));
    } catch (err) {
      await this.lifecycle.failed(job.id, toErrorShape(err)).catch(() => undefined);
    }
  }
}

/**
 * Cluster mode: the job and its upload go to Redis (BullMQ); a ROLE=worker runs it and
 * records the outcome in PostgreSQL. The spooled file is removed as soon as Redis has the bytes.
 */
export class QueueJobDispatcher implements JobDispatcher {
  constructor(private readonly queue: Pick<QueueRunner, 'enqueueAsync' | 'isAsyncFull'>) {}

  isFull(): boolean {
    return this.queue.isAsyncFull();
  }

  async dispatch(job: JobRecord, clip: ClipJob, release: () => Promise<void>): Promise<void> {
    try {
      await this.queue.enqueueAsync(job.id, job.task, clip);
    } finally {
      await release();
    }
  }
}
