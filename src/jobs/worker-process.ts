import { fork, type ChildProcess } from 'node:child_process';

import type { ClipStage } from './clip-job.types.js';
import { fromWireError } from '../errors.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** A job's process died under it (a native crash, a kill): the signal or exit code, and the job's last stage. */
export class WorkerLost extends Error {
  constructor(
    /** The signal (e.g. SIGSEGV) or exit code that ended the process. */
    readonly exit: string,
    readonly stage: ClipStage | 'start',
  ) {
    super(`worker process lost (${exit}) in stage ${stage}`);
  }
}

interface Running<Res> {
  stage: ClipStage | 'start';
  resolve(result: Res): void;
  reject(error: Error): void;
}

export interface WorkerProcessOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  /** Called once when the process ends, after its running jobs were rejected with {@link WorkerLost}. */
  onExit?(cause: string): void;
}

/**
 * One worker process seen from its parent: it runs several jobs at once (by id), keeps
 * each one's last reported stage, and when it dies fails the unfinished ones with
 * {@link WorkerLost}. Used by the service's pool and by the evaluation.
 */
export class WorkerProcess<Req, Res, Warm = unknown> {
  private readonly child: ChildProcess;
  private readonly running = new Map<number, Running<Res>>();
  private warmWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private readonly exitedPromise: Promise<void>;
  /** Warm: what its jobs need is loaded and it may take them. */
  warm = false;
  /** No new jobs: it is to be stopped once its running ones end. */
  draining = false;
  exited = false;

  constructor(options: WorkerProcessOptions) {
    this.child = fork(options.script, [], {
      env: options.env,
      execArgv: options.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromWorker<Res>) => this.receive(m));
    // A failed send (the process is going) is reported by 'exit'.
    this.child.on('error', () => undefined);
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.warm = false;
        const cause = signal ?? `exit code ${code ?? 'unknown'}`;
        for (const job of this.running.values()) job.reject(new WorkerLost(cause, job.stage));
        this.running.clear();
        this.warmWaiter?.reject(new WorkerLost(cause, 'start'));
        this.warmWaiter = undefined;
        options.onExit?.(cause);
        resolve();
      });
    });
  }

  /** Jobs running here now. */
  get load(): number {
    return this.running.size;
  }

  /** The last stage job `id` reported ('start' when none, or when it is not running here). */
  stageOf(id: number): ClipStage | 'start' {
    return this.running.get(id)?.stage ?? 'start';
  }

  /** Loads what the jobs need; the process is `warm` once this resolves. */
  warmUp(settings: Warm): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.warmWaiter = { resolve, reject };
      this.send({ type: 'warm', settings });
    }).then(() => {
      this.warm = true;
    });
  }

  /** Runs one job; rejects with the job's own failure (an AppError when its code is ours, see `fromWireError`) or {@link WorkerLost}. */
  run(id: number, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new WorkerLost('exited before the job', 'start'));
        return;
      }
      this.running.set(id, { stage: 'start', resolve, reject });
      this.send({ type: 'run', id, request });
    });
  }

  /** Forgets a job (timed out): its answer, if it ever comes, is dropped. */
  forget(id: number): void {
    this.running.delete(id);
  }

  kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    return this.exitedPromise;
  }

  /** Waits up to `graceMs` for the running jobs to end, then ends the process. */
  async stop(graceMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && !this.exited && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.kill();
  }

  private send(message: ToWorker<Req, Warm>): void {
    if (this.exited || !this.child.connected) return;
    this.child.send(message);
  }

  private receive(m: FromWorker<Res>): void {
    if (m.type === 'warm') {
      const waiter = this.warmWaiter;
      this.warmWaiter = undefined;
      if (m.error) waiter?.reject(fromWireError(m.error));
      else waiter?.resolve();
      return;
    }
    const job = this.running.get(m.id);
    if (!job) return;
    if (m.type === 'stage') {
      job.stage = m.stage;
      return;
    }
    this.running.delete(m.id);
    if (m.type === 'done') job.resolve(m.result);
    else job.reject(fromWireError(m.error));
  }
}
