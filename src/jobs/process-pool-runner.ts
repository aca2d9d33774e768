import { fileURLToPath } from 'node:url';

import { workerProcessEnv } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { EngineSettings } from '../vision/index.js';
import type { ClipJobRequest, ClipJobResult } from './clip-job.types.js';
import type { ClipJob, ClipJobRunner, ClipJobRunnerStats, WorkerCrash } from './job-runner.js';
import { WorkerLost, WorkerProcess } from './worker-process.js';

export interface ProcessPoolRunnerOptions {
  /** Clips processed at once. */
  workers: number;
  /**
   * How many of them share one worker process (default 1): one FFmpeg and one set of models
   * serve them all, which saves memory, but a native crash costs every clip running there.
   */
  clipsPerProcess?: number;
  /** Jobs allowed to wait for a free worker; more are refused with 503 at once. */
  queueSize: number;
  jobTimeoutMs: number;
  /** Seconds a client is told to wait when the queue is full. */
  retryAfterSeconds?: number;
  /** Overrides the worker script (tests). */
  workerScript?: string;
  /** Told of every job a worker crash took: which job, in which stage, by which signal. */
  onCrash?: (crash: WorkerCrash) => void;
  /** Decoder threads per clip (0 or absent: FFmpeg's choice). */
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

interface Waiting {
  id: number;
  request: ClipJobRequest;
  resolve(result: ClipJobResult): void;
  reject(error: Error): void;
}

type ClipWorker = WorkerProcess<ClipJobRequest, ClipJobResult, EngineSettings>;

interface Slot {
  process: ClipWorker;
  /** Jobs it may run at once. */
  capacity: number;
}

/**
 * Runs clip jobs in child processes. A native crash in FFmpeg or a model runtime kills
 * one child and fails the jobs it was running (one, unless `clipsPerProcess` > 1); the
 * child is replaced and warmed, and the server never goes down. The queue is bounded so
 * that overload is answered with 503 immediately instead of piling up memory.
 */
export class ProcessPoolRunner implements ClipJobRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Waiting[] = [];
  private readonly pending = new Map<number, { slot: Slot; job: Waiting; timer: NodeJS.Timeout }>();
  private engine: EngineSettings | undefined;
  private ready = false;
  private closed = false;
  private nextId = 1;
  private completed = 0;
  private failed = 0;
  private crashed = 0;

  constructor(private readonly options: ProcessPoolRunnerOptions) {}

  /** Starts every worker process and loads its models, so the first request pays no start-up cost. */
  async start(engine: EngineSettings): Promise<void> {
    this.engine = engine;
    const per = Math.max(1, this.options.clipsPerProcess ?? 1);
    for (let left = this.options.workers; left > 0; left -= per) {
      this.slots.push({ process: this.spawn(), capacity: Math.min(per, left) });
    }
    await Promise.all(this.slots.map((s) => s.process.warmUp(engine)));
    this.ready = true;
    this.dispatch();
  }

  isReady(): boolean {
    return this.ready;
  }

  run(job: ClipJob): Promise<ClipJobResult> {
    if (!this.ready || !this.engine) {
      return Promise.reject(
        new AppError('not_ready', 'The service is starting (loading models); retry shortly.', {
          'retry-after': '5',
        }),
      );
    }
    if (this.freeCapacity() === 0 && this.queue.length >= this.options.queueSize) {
      return Promise.reject(this.overloaded());
    }
    const request: ClipJobRequest = {
      ...job,
      engine: this.engine,
      decoderThreads: this.options.decoderThreads,
    };
    return new Promise<ClipJobResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    }).then(
      (result) => {
        this.completed++;
        // Structured clone delivers the thumbnail's bytes as a plain Uint8Array.
        if (result.thumbnail) {
          const d = result.thumbnail.data as Uint8Array;
          result.thumbnail.data = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        }
        return result;
      },
      (err: unknown) => {
        this.failed++;
        throw err;
      },
    );
  }

  isSaturated(): boolean {
    return this.ready && this.freeCapacity() === 0 && this.queue.length >= this.options.queueSize;
  }

  stats(): ClipJobRunnerStats {
    return {
      workers: this.slots.reduce((n, s) => n + s.capacity, 0),
      busy: this.pending.size,
      queued: this.queue.length,
      completed: this.completed,
      failed: this.failed,
      crashed: this.crashed,
    };
  }

  async close(): Promise<void> {
    this.ready = false;
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.reject(new AppError('not_ready', 'The service is shutting down.'));
    }
    await Promise.all(this.slots.map((s) => s.process.stop(5000)));
  }

  private spawn(): ClipWorker {
    const script =
      this.options.workerScript ?? fileURLToPath(new URL('../workers/clip.worker.js', import.meta.url));
    const process: ClipWorker = new WorkerProcess({
      script,
      env: workerProcessEnv(),
      // A small young generation: the workers' garbage is mostly transient frame wrappers (measured:
      // ~40 MB less resident, no slower). Forcing frame buffers onto mmap saved as much again but
      // made every clip 40-60 % slower, so it is not done.
      execArgv: ['--max-semi-space-size=2'],
      onExit: () => this.replace(process),
    });
    return process;
  }

  /** Slots free on warm processes that take jobs. */
  private freeCapacity(): number {
    let free = 0;
    for (const s of this.slots) {
      if (s.process.warm && !s.process.draining) free += Math.max(0, s.capacity - s.process.load);
    }
    return free;
  }

  /** Starts queued jobs on the least loaded process with room, oldest first. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots) {
        const p = s.process;
        if (!p.warm || p.draining || p.load >= s.capacity) continue;
        if (!best || p.load < best.process.load) best = s;
      }
      if (!best) return;
      const slot = best;
      const job = this.queue.shift()!;
      const timer = setTimeout(() => this.timeOut(job.id), this.options.jobTimeoutMs);
      this.pending.set(job.id, { slot, job, timer });
      slot.process.run(job.id, job.request).then(
        (result) => this.settle(job.id, () => job.resolve(result)),
        (err: unknown) => this.settle(job.id, () => job.reject(this.failure(job, err))),
      );
    }
  }

  private settle(id: number, finish: () => void): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    finish();
    this.retireIfDrained(entry.slot);
    this.dispatch();
  }

  /**
   * A job past its time limit fails at once; its process is replaced (the only way to stop
   * native code), after the other jobs running there have ended.
   */
  private timeOut(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.slot.process.forget(id);
    entry.slot.process.draining = true;
    entry.job.reject(
      new AppError(
        'processing_timeout',
        `The video took longer than ${this.options.jobTimeoutMs / 1000} s to process.`,
      ),
    );
    this.retireIfDrained(entry.slot);
  }

  private retireIfDrained(slot: Slot): void {
    if (slot.process.draining && slot.process.load === 0 && !slot.process.exited && !this.closed) {
      void slot.process.kill();
    }
  }

  /** A job's failure as the service's error; a lost process counts as a crash and is reported. */
  private failure(job: Waiting, err: unknown): Error {
    if (err instanceof WorkerLost) {
      this.crashed++;
      this.options.onCrash?.({ requestId: job.request.requestId, stage: err.stage, cause: err.exit });
      return new AppError(
        'decode_failed',
        `The video crashed the worker ${STAGE_WORDS[err.stage]} (${err.exit}); it was not processed.`,
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  /** A process ended (its jobs have failed with WorkerLost): a fresh one takes its place. */
  private replace(process: ClipWorker): void {
    const slot = this.slots.find((s) => s.process === process);
    if (!slot || this.closed || !this.engine) return;
    slot.process = this.spawn();
    // Jobs wait in the queue while the replacement loads its models.
    slot.process.warmUp(this.engine).then(
      () => this.dispatch(),
      () => undefined, // it died while loading: its own exit replaces it again
    );
  }

  private overloaded(): AppError {
    return new AppError('overloaded', undefined, {
      'retry-after': String(this.options.retryAfterSeconds ?? 2),
    });
  }
}
