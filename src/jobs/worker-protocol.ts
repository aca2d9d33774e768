/**
 * The messages between the server (or a CLI command) and a worker process it forks (Node's
 * IPC channel with structured-clone serialization), and the worker side's loop. One process
 * may run several jobs at once, so every message about a job carries its id.
 */
import { toWireError, type WireError } from '../errors.js';
import type { ClipStage } from './clip-job.types.js';

export type ToWorker<Req, Warm> =
  { type: 'warm'; settings: Warm } | { type: 'run'; id: number; request: Req };

export type FromWorker<Res> =
  | { type: 'warm'; error?: WireError }
  | { type: 'stage'; id: number; stage: ClipStage }
  | { type: 'done'; id: number; result: Res }
  | { type: 'failed'; id: number; error: WireError };

/** What a worker process does with each job; an entry point in `src/workers/` supplies it. */
export interface WorkerHandlers<Req, Res, Warm> {
  /** `report` tells the parent each change of stage as it happens. */
  run(request: Req, report: (stage: ClipStage) => void): Promise<Res>;
  /** Loads what the jobs need (media bindings, models) before the first one. */
  warmUp(settings: Warm): Promise<void>;
}

/**
 * Worker side: answers the parent's messages until the channel closes (the parent
 * stopped or died), then exits. Jobs run concurrently, each reporting its own stages.
 */
export function serveJobs<Req, Res, Warm>(handlers: WorkerHandlers<Req, Res, Warm>): void {
  const send = (message: FromWorker<Res>): void => {
    // A send after the channel closed is dropped: the process is about to exit.
    if (process.connected) process.send!(message);
  };
  process.on('message', (m: ToWorker<Req, Warm>) => {
    if (m.type === 'warm') {
      handlers.warmUp(m.settings).then(
        () => send({ type: 'warm' }),
        (err: unknown) => send({ type: 'warm', error: toWireError(err) }),
      );
      return;
    }
    let last: ClipStage | undefined;
    // The pipe write is synchronous while the channel is idle, as it is between stages:
    // if the process dies right after, the parent still knows where.
    const report = (stage: ClipStage): void => {
      if (stage === last) return;
      last = stage;
      send({ type: 'stage', id: m.id, stage });
    };
    handlers.run(m.request, report).then(
      (result) => send({ type: 'done', id: m.id, result }),
      (err: unknown) => send({ type: 'failed', id: m.id, error: toWireError(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
