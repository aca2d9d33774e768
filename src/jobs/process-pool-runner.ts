import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';

import { workerProcessEnv } from '../config/load-config.js';
import { AppError, isErrorCode } from '../errors.js';
import type { EngineSettings } from '../vision/index.js';
import type { ClipJobRequest, ClipJobResult } from './clip-job.types.js';
import type { ClipJob, ClipJobRunner, ClipJobRunnerStats, WorkerCrash } from './job-runner.js';
import { StageTracker, workerLost } from './worker-stages.js';

export interface ProcessPoolRunnerOptions {
  workers: number;
  /** Jobs allowed to wait for a free worker; more are refused with 503 at once. */
  queueSize: number;
  jobTimeoutMs: number;
  /** Seconds a client is told to wait when the queue is full. */
  retryAfterSeconds?: number;
  /** Overrides the worker script (tests). */
  workerScript?: string;
  /** Told of every worker crash: which job, in which stage, by which signal. */
  onCrash?: (crash: WorkerCrash) => void;
  /** Decoder threads per worker (0 or absent: FFmpeg's choice). */
  decoderThreads?: number;
}

const STAGE_WORDS: Record<WorkerCrash['stage'], string> = {
  start: 'while starting the job',
  probe: 'while probing the container',
  scan: 'while scanning the packets',
  decode: 'in the video decoder',
  filter: 'while converting frames',
  model: 'in the emotion model',
  encode: 'while encoding the thumbnail',
};

/**
 * Runs clip jobs in child processes. A native crash in FFmpeg or a model runtime
 * kills one child, fails that one job and is replaced; it never takes the server down.
 * The queue is bounded so that overload is answered with 503 immediately instead of
 * piling up memory.
 */
export class ProcessPoolRunner implements ClipJobRunner {
  private pool: workerpool.Pool | undefined;
  private engine: EngineSettings | undefined;
  private ready = false;
  private completed = 0;
  private failed = 0;
  private crashed = 0;

  constructor(private readonly options: ProcessPoolRunnerOptions) {}

  /** Starts every worker and loads its models, so the first request pays no start-up cost. */
  async start(engine: EngineSettings): Promise<void> {
    this.engine = engine;
    const script =
      this.options.workerScript ?? fileURLToPath(new URL('../workers/clip.worker.js', import.meta.url));
    const options = this.options;
    this.pool = workerpool.pool(script, {
      workerType: 'process',
      minWorkers: options.workers,
      maxWorkers: options.workers,
      maxQueueSize: options.queueSize,
      workerTerminateTimeout: 2000,
      forkOpts: {
        env: workerProcessEnv(),
        // A small young generation: the workers' garbage is mostly transient frame wrappers (measured:
        // ~40 MB less resident, no slower). Forcing frame buffers onto mmap saved as much again but
        // made every clip 40-60 % slower, so it is not done.
        execArgv: ['--max-semi-space-size=2'],
        serialization: 'advanced',
      },
    });
    const pool = this.pool;
    await Promise.all(Array.from({ length: options.workers }, () => pool.exec('warmUp', [engine])));
    this.ready = true;
  }

  isReady(): boolean {
    return this.ready;
  }

  async run(job: ClipJob): Promise<ClipJobResult> {
    if (!this.ready || !this.pool || !this.engine) {
      throw new AppError('not_ready', 'The service is starting (loading models); retry shortly.', {
        'retry-after': '5',
      });
    }
    const request: ClipJobRequest = {
      ...job,
      engine: this.engine,
      decoderThreads: this.options.decoderThreads,
    };
    // workerpool reads a queue bound of 0 as "no bound": with QUEUE_SIZE=0 a job that
    // would have to wait is refused here.
    if (this.options.queueSize === 0 && this.pool.stats().busyWorkers >= this.options.workers) {
      throw this.overloaded();
    }
    let pending: workerpool.Promise<ClipJobResult>;
    const tracker = new StageTracker();
    try {
      pending = this.pool.exec('processClip', [request], {
        on: tracker.on,
      }) as workerpool.Promise<ClipJobResult>;
    } catch (err) {
      if (err instanceof Error && /queue size/i.test(err.message)) throw this.overloaded();
      throw err;
    }
    try {
      const result = await pending.timeout(this.options.jobTimeoutMs);
      this.completed++;
      // Structured clone delivers the thumbnail's bytes as a plain Uint8Array.
      if (result.thumbnail) {
        const d = result.thumbnail.data as Uint8Array;
        result.thumbnail.data = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      }
      return result;
    } catch (err) {
      this.failed++;
      throw this.translate(err, request, tracker.stage);
    }
  }

  private overloaded(): AppError {
    return new AppError('overloaded', undefined, {
      'retry-after': String(this.options.retryAfterSeconds ?? 2),
    });
  }

  private translate(err: unknown, request: ClipJobRequest, stage: WorkerCrash['stage']): Error {
    if (err instanceof workerpool.Promise.TimeoutError) {
      this.warmReplacement();
      return new AppError(
        'processing_timeout',
        `The video took longer than ${this.options.jobTimeoutMs / 1000} s to process.`,
      );
    }
    const cause = workerLost(err);
    if (cause !== undefined) {
      this.crashed++;
      this.warmReplacement();
      this.options.onCrash?.({ requestId: request.requestId, stage, cause });
      return new AppError(
        'decode_failed',
        `The video crashed the worker ${STAGE_WORDS[stage]} (${cause}); it was not processed.`,
      );
    }
    const code = (err as { code?: unknown } | undefined)?.code;
    if (isErrorCode(code)) return new AppError(code, (err as Error).message);
    return err instanceof Error ? err : new Error(String(err));
  }

  /**
   * The pool replaces a crashed or timed-out worker at once; a warm-up task queued now
   * takes the new process's start-up (and model loading), which would otherwise count
   * against the time limit of the next client's job.
   */
  private warmReplacement(): void {
    try {
      this.pool?.exec('warmUp', [this.engine]).catch(() => undefined);
    } catch {
      // Queue full: the next job pays the start-up instead.
    }
  }

  isSaturated(): boolean {
    if (!this.pool) return false;
    const s = this.pool.stats();
    return s.busyWorkers >= this.options.workers && s.pendingTasks >= this.options.queueSize;
  }

  stats(): ClipJobRunnerStats {
    const s = this.pool?.stats() ?? { totalWorkers: 0, busyWorkers: 0, pendingTasks: 0 };
    return {
      workers: s.totalWorkers,
      busy: s.busyWorkers,
      queued: s.pendingTasks,
      completed: this.completed,
      failed: this.failed,
      crashed: this.crashed,
    };
  }

  async close(): Promise<void> {
    this.ready = false;
    await this.pool?.terminate(false, 5000);
  }
}
