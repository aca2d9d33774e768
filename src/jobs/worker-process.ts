import { fork, type ChildProcess } from 'node:child_process';

import type { EngineSettings } from '../vision/index.js';
import type { ClipJobRequest, ClipJobResult, ClipStage } from './clip-job.types.js';
import type { FromWorker, ToWorker, WireError } from './worker-protocol.js';

/** A job this process was running when it died. */
export interface LostJob {
  id: number;
  request: ClipJobRequest;
  /** The last stage it reported ('start' when none). */
  stage: ClipStage | 'start';
}

interface Running {
  request: ClipJobRequest;
  stage: ClipStage | 'start';
  resolve(result: ClipJobResult): void;
  reject(error: WireError): void;
}

export interface WorkerProcessOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  /** Called once when the process ends: the signal or exit code, and the jobs it took with it. */
  onExit(cause: string, lost: LostJob[]): void;
}

/**
 * One clip worker process seen from the server: it runs several jobs at once, keeps
 * each one's last reported stage, and when it dies hands the unfinished ones to `onExit`.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly running = new Map<number, Running>();
  private warmWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private exitedPromise: Promise<void>;
  /** Warm: its models are loaded and it may take jobs. */
  warm = false;
  /** No new jobs: it is to be stopped once its running ones end. */
  draining = false;
  exited = false;

  constructor(private readonly options: WorkerProcessOptions) {
    this.child = fork(options.script, [], {
      env: options.env,
      execArgv: options.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromWorker) => this.receive(m));
    // A failed send (the process is going) is reported by 'exit'.
    this.child.on('error', () => undefined);
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.warm = false;
        const cause = signal ?? `exit code ${code ?? 'unknown'}`;
        const lost = [...this.running].map(([id, r]) => ({ id, request: r.request, stage: r.stage }));
        this.running.clear();
        this.warmWaiter?.reject(new Error(`worker process ended while loading (${cause})`));
        this.warmWaiter = undefined;
        this.options.onExit(cause, lost);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Jobs running here now. */
  get load(): number {
    return this.running.size;
  }

  /** Loads the models; the process takes jobs once this resolves. */
  warmUp(engine: EngineSettings): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.warmWaiter = { resolve, reject };
      this.send({ type: 'warm', engine });
    }).then(() => {
      this.warm = true;
    });
  }

  /** Runs one job; rejects with the worker's error (never for a crash: `onExit` reports those). */
  run(id: number, request: ClipJobRequest): Promise<ClipJobResult> {
    return new Promise((resolve, reject) => {
      this.running.set(id, { request, stage: 'start', resolve, reject });
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

  private send(message: ToWorker): void {
    if (this.exited || !this.child.connected) return;
    this.child.send(message);
  }

  private receive(m: FromWorker): void {
    if (m.type === 'warm') {
      const waiter = this.warmWaiter;
      this.warmWaiter = undefined;
      if (m.error) waiter?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
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
    else job.reject(m.error);
  }
}
