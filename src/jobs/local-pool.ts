import type { Config } from '../config/config.js';
import { ProcessPoolRunner } from './process-pool-runner.js';

/**
 * This machine's pool of clip worker processes as configured (WORKERS, CLIPS_PER_PROCESS,
 * JOB_TIMEOUT_SECONDS, DECODER_THREADS), refusing jobs beyond `queueSize` waiting; each crash
 * is logged with the request, the stage it died in and the signal.
 */
export function localClipPool(
  config: Readonly<Config>,
  queueSize: number,
  log: () => { error(obj: object, msg: string): void },
): ProcessPoolRunner {
  return new ProcessPoolRunner({
    workers: config.workers,
    clipsPerProcess: config.clipsPerProcess,
    queueSize,
    jobTimeoutMs: config.jobTimeoutSeconds * 1000,
    decoderThreads: config.decoderThreads,
    onCrash: ({ requestId, stage, cause }) =>
      log().error({ reqId: requestId, stage, cause }, `worker crashed (${cause}) in stage ${stage}`),
  });
}
