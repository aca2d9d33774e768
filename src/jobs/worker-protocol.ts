/**
 * The messages between the server and a clip worker process (Node's IPC channel with
 * structured-clone serialization), and the worker side's loop. One process runs several
 * jobs at once, so every message about a job carries its id.
 */
import type { EngineSettings } from '../vision/index.js';
import type { ClipJobRequest, ClipJobResult, ClipStage } from './clip-job.types.js';

/** An error as it crosses the process boundary: its stable code when it has one. */
export interface WireError {
  code?: string;
  message: string;
}

export type ToWorker =
  { type: 'warm'; engine: EngineSettings } | { type: 'run'; id: number; request: ClipJobRequest };

export type FromWorker =
  | { type: 'warm'; error?: WireError }
  | { type: 'stage'; id: number; stage: ClipStage }
  | { type: 'done'; id: number; result: ClipJobResult }
  | { type: 'failed'; id: number; error: WireError };

/** What a clip worker process does; the entry point in `src/workers/` supplies it. */
export interface ClipWorkerHandlers {
  /** `report` tells the server each change of stage as it happens. */
  processClip(request: ClipJobRequest, report: (stage: ClipStage) => void): Promise<ClipJobResult>;
  /** Loads the media bindings and the models now rather than on the first job. */
  warmUp(engine: EngineSettings): Promise<void>;
}

export function toWireError(err: unknown): WireError {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Worker side: answers the server's messages until the channel closes (the server
 * stopped or died), then exits. Jobs run concurrently, each reporting its own stages.
 */
export function serveClipJobs(handlers: ClipWorkerHandlers): void {
  const send = (message: FromWorker): void => {
    // A send after the channel closed is dropped: the process is about to exit.
    if (process.connected) process.send!(message);
  };
  process.on('message', (m: ToWorker) => {
    if (m.type === 'warm') {
      handlers.warmUp(m.engine).then(
        () => send({ type: 'warm' }),
        (err: unknown) => send({ type: 'warm', error: toWireError(err) }),
      );
      return;
    }
    let last: ClipStage | undefined;
    // The pipe write is synchronous while the channel is idle, as it is between stages:
    // if the process dies right after, the server still knows where.
    const report = (stage: ClipStage): void => {
      if (stage === last) return;
      last = stage;
      send({ type: 'stage', id: m.id, stage });
    };
    handlers.processClip(m.request, report).then(
      (result) => send({ type: 'done', id: m.id, result }),
      (err: unknown) => send({ type: 'failed', id: m.id, error: toWireError(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
