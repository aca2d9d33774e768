/**
 * What crosses Redis between API nodes and workers: the BullMQ job's data (plain JSON, no
 * bytes), the uploaded clip and a sync job's result (each its own Redis key with a TTL, as
 * binary / JSON), and a failure (the job's failedReason). One module, so both ends agree.
 */
import { AppError, fromWireError, type ErrorShape, type WireError } from '../errors.js';
import type { ClipJobResult } from './clip-job.types.js';
import type { ClipJob } from './job-runner.js';

export const CLIP_QUEUE = 'emothumb-clips';

export type ClipTask = 'predict' | 'thumbnail' | 'analyze';

/** A BullMQ job's data. The clip's bytes are not in it: they wait under {@link uploadKey}. */
export interface QueuedClipJob {
  /** sync: an API node waits for the result; async: the worker records it (and calls the webhook). */
  kind: 'sync' | 'async';
  /** Our id: the async job's id, or a fresh one for a sync request. Also the BullMQ job id. */
  id: string;
  task: ClipTask;
  /** The job minus its input path: each worker writes the clip into its own DATA_DIR. */
  clip: Omit<ClipJob, 'inputPath'>;
  /** Size of the upload, for the logs and sanity checks. */
  bytes: number;
}

export const uploadKey = (id: string): string => `emothumb:upload:${id}`;
export const resultKey = (id: string): string => `emothumb:result:${id}`;

/** JSON of a result, the thumbnail's bytes as base64 (a Buffer's own JSON is an array of numbers). */
export function encodeResult(result: ClipJobResult): string {
  const thumbnail = result.thumbnail
    ? { ...result.thumbnail, data: result.thumbnail.data.toString('base64') }
    : undefined;
  return JSON.stringify({ ...result, thumbnail });
}

export function decodeResult(text: string): ClipJobResult {
  const parsed = JSON.parse(text) as Omit<ClipJobResult, 'thumbnail'> & {
    thumbnail?: Omit<NonNullable<ClipJobResult['thumbnail']>, 'data'> & { data: string };
  };
  return {
    ...parsed,
    thumbnail: parsed.thumbnail
      ? { ...parsed.thumbnail, data: Buffer.from(parsed.thumbnail.data, 'base64') }
      : undefined,
  };
}

const FAILURE_PREFIX = 'emothumb-error:';

/** A job's failedReason: our error code and message, so the API node answers as the sync path would. */
export function encodeFailure(shape: ErrorShape): string {
  return FAILURE_PREFIX + JSON.stringify(shape);
}

/** The AppError behind a failedReason; anything else (a BullMQ reason) is a lost worker. */
export function decodeFailure(reason: string | undefined): AppError {
  if (reason?.startsWith(FAILURE_PREFIX)) {
    try {
      const wire = JSON.parse(reason.slice(FAILURE_PREFIX.length)) as WireError;
      const error = fromWireError(wire);
      if (error instanceof AppError) return error;
    } catch {
      // fall through
    }
  }
  return new AppError('worker_lost', undefined, { 'retry-after': '2' });
}
