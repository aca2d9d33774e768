/**
 * Where a worker process is in its job, told to the parent as it goes, so that a native
 * crash (which leaves no error behind) can be pinned to a stage; and how the parent
 * recognises such a crash. Shared by the clip workers and the evaluation's workers.
 */
import workerpool from 'workerpool';

import type { ClipStage } from './clip-job.types.js';

/** What a worker emits on each change of stage. */
export interface StagePayload {
  stage?: ClipStage;
}

/**
 * Worker side: `(stage) => void` that emits each change of stage at once (repeats are
 * dropped). The pipe write is synchronous when the channel is idle, as it is between
 * stages, so the parent knows the stage even if the process dies right after.
 */
export function stageReporter(): (stage: ClipStage) => void {
  let last: ClipStage | undefined;
  return (stage) => {
    if (stage === last) return;
    last = stage;
    workerpool.workerEmit({ stage } satisfies StagePayload);
  };
}

/** Parent side: follows one task's stage; pass `on` to `pool.exec`'s options. */
export class StageTracker {
  stage: ClipStage | 'start' = 'start';
  readonly on = (payload: StagePayload): void => {
    if (payload.stage) this.stage = payload.stage;
  };
}

/** The signal (or exit code) in workerpool's "terminated unexpectedly" message. */
export function crashCause(message: string): string {
  const signal = /signalCode: `(\w+)`/.exec(message)?.[1];
  if (signal && signal !== 'null') return signal;
  const code = /exitCode: `(-?\d+)`/.exec(message)?.[1];
  return code ? `exit code ${code}` : 'worker lost';
}

/** The cause (signal or exit code) when `err` says the worker process died under the task; else undefined. */
export function workerLost(err: unknown): string | undefined {
  if (
    err instanceof workerpool.TerminateError ||
    (err instanceof Error && /Workerpool Worker/.test(err.message))
  ) {
    return crashCause((err as Error).message);
  }
  return undefined;
}
