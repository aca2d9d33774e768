import { AppError } from '../errors.js';
import type { ClipJob, ClipJobRunner } from './job-runner.js';
import type { ClipJobResult } from './clip-job.types.js';

export interface StartupGateOptions {
  /** STARTUP_WAIT_SECONDS, in ms: how long a job that arrives before the runner is ready waits for it. */
  waitMs: number;
  /** Jobs that may wait at once; beyond it they are refused at once (their uploads are on disk meanwhile). */
  maxWaiting: number;
  /** How often readiness is looked at while jobs wait. */
  pollMs?: number;
}

/**
 * Holds jobs that arrive while the runner is still loading its models (or connecting to its
 * queue) until it is ready, instead of refusing them: a script that starts the service and
 * sends at once, or a health check on `/health`, gets its answer. Past the wait the job is
 * refused with 503 `not_ready` and a Retry-After. Once ready, jobs pass straight through.
 */
export class StartupGate implements Pick<ClipJobRunner, 'run' | 'isSaturated' | 'isReady'> {
  private waiting = 0;

  constructor(
    private readonly runner: Pick<ClipJobRunner, 'run' | 'isSaturated' | 'isReady'>,
    private readonly options: StartupGateOptions,
  ) {}

  isReady(): boolean {
    return this.runner.isReady();
  }

  isSaturated(): boolean {
    if (!this.runner.isReady()) return this.waiting >= this.options.maxWaiting;
    return this.runner.isSaturated();
  }

  async run(job: ClipJob): Promise<ClipJobResult> {
    if (!this.runner.isReady()) await this.untilReady();
    return this.runner.run(job);
  }

  private async untilReady(): Promise<void> {
    const retry = { 'retry-after': '5' };
    if (this.options.waitMs <= 0 || this.waiting >= this.options.maxWaiting)
      throw new AppError('not_ready', 'The service is starting (loading models); retry shortly.', retry);
    this.waiting++;
    try {
      const deadline = Date.now() + this.options.waitMs;
      const poll = this.options.pollMs ?? 25;
      while (!this.runner.isReady()) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new AppError(
            'not_ready',
            `The service is still starting (loading models) after ${Math.round(this.options.waitMs / 1000)} s; retry shortly.`,
            retry,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(poll, left)));
      }
    } finally {
      this.waiting--;
    }
  }
}
