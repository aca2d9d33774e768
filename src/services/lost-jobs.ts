import type { ErrorShape } from '../errors.js';
import type { JobRepository } from '../store/types.js';

/** Which of these async jobs the queue no longer holds (throws when the queue cannot be asked). */
export interface QueueMembership {
  missingJobs(ids: string[]): Promise<string[]>;
}

export interface LostJobSweeperOptions {
  /** Jobs younger than this are not checked (their record is written just before they are queued). */
  graceMs: number;
  /** Most jobs checked per sweep, oldest first. */
  batch: number;
}

/** The error a lost job ends with: the code a client already resubmits on. */
export const LOST_JOB_ERROR: ErrorShape = {
  code: 'worker_lost',
  message: 'The job queue lost this job before it finished (Redis lost its data); resubmit it.',
};

/**
 * Reconciles the job records (PostgreSQL) with the queue (Redis) on a cluster's API nodes: a
 * job recorded queued or running that the queue no longer holds (a Redis that lost its last
 * writes on a power cut, or ran without its append-only file) would otherwise stay `queued`
 * until JOB_TTL_HOURS. Such a job fails with `worker_lost` (and its webhook is sent) once it
 * has been missing from the queue at two sweeps in a row, so that a job between its record
 * and its enqueue, or a queue answering from a half-loaded file, is never failed on one look.
 * A sweep whose queue cannot be asked changes nothing. Several API nodes may sweep at once:
 * each job ends once (`JobRepository.finish`).
 */
export class LostJobSweeper {
  private missingBefore = new Set<string>();

  constructor(
    private readonly jobs: Pick<JobRepository, 'unfinishedBefore'>,
    private readonly queue: QueueMembership,
    private readonly fail: (id: string, error: ErrorShape) => Promise<void>,
    private readonly options: LostJobSweeperOptions,
  ) {}

  /** One look: returns the ids failed as lost. */
  async sweep(now = new Date()): Promise<string[]> {
    const ids = await this.jobs.unfinishedBefore(
      new Date(now.getTime() - this.options.graceMs),
      this.options.batch,
      now,
    );
    const missing = ids.length > 0 ? await this.queue.missingJobs(ids) : [];
    const lost = missing.filter((id) => this.missingBefore.has(id));
    this.missingBefore = new Set(missing);
    for (const id of lost) await this.fail(id, LOST_JOB_ERROR);
    return lost;
  }
}
