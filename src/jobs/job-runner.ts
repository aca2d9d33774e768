import type { EngineSettings } from '../vision/index.js';
import type { ClipJobRequest, ClipJobResult, ClipStage } from './clip-job.types.js';

/** One clip job as the services submit it; the runner adds the engine settings it was started with. */
export type ClipJob = Omit<ClipJobRequest, 'engine' | 'decoderThreads'>;

export interface ClipJobRunnerStats {
  workers: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  crashed: number;
}

/** A worker process that died under a job. */
export interface WorkerCrash {
  requestId?: string;
  /** The last stage the worker reported before it died ('start' when it reported none). */
  stage: ClipStage | 'start';
  /** The signal or exit code that ended it, e.g. SIGSEGV. */
  cause: string;
}

/**
 * Where clip jobs run. The service depends on this seam only: today's implementation
 * is a local pool of worker processes ({@link ProcessPoolRunner}); a distributed queue
 * is another.
 */
export interface ClipJobRunner {
  /**
   * Makes the runner ready: workers started and warm with `engine`'s models. Until it
   * resolves, {@link run} refuses with 503 `not_ready`.
   */
  start(engine: EngineSettings): Promise<void>;
  isReady(): boolean;
  /**
   * Runs one job. Refusals are AppErrors: `not_ready`, `overloaded` (queue bound),
   * `processing_timeout`, `decode_failed` (the worker died), or the job's own.
   */
  run(job: ClipJob): Promise<ClipJobResult>;
  /** True when a new job would be refused as overloaded (lets HTTP refuse before reading an upload). */
  isSaturated(): boolean;
  stats(): ClipJobRunnerStats;
  close(): Promise<void>;
}
