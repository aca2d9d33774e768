import { EMOTIONS5 } from './vision/emotions.js';

/**
 * The one table of error codes. Every error the API returns is
 * `{"error": message, "code": code}` with the status given here; the README's
 * error table is checked against this list by a test.
 */
export const ERROR_TABLE = {
  bad_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, message: 'The request is invalid.' },
  missing_video: {
    status: 400,
    message: 'No video was sent: use "content" (base64), a raw body or a "video" form field.',
  },
  bad_encoding: { status: 400, message: 'Only "encoding": "base64" is supported.' },
  bad_base64: { status: 400, message: 'The "content" field is not valid base64.' },
  missing_date: {
    status: 400,
    message: 'The "date" (or "x-date") header is required (ISO 8601 or HTTP date).',
  },
  bad_date: {
    status: 400,
    message: 'The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822.',
  },
  clock_skew: { status: 400, message: 'The "date" header is too far from the server clock.' },
  invalid_duration: { status: 400, message: 'Duration must be between 0.1 and 10 seconds.' },
  invalid_filter: { status: 400, message: 'A log filter is invalid.' },
  bad_callback_url: {
    status: 400,
    message:
      'callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set).',
  },
  bad_idempotency_key: {
    status: 400,
    message: 'The Idempotency-Key header must be 1-200 printable ASCII characters.',
  },
  invalid_subject_id: {
    status: 400,
    message: 'subject_id must be 1-200 printable ASCII characters (no spaces).',
  },
  invalid_emotion: {
    status: 400,
    message: `emotion must be one of ${EMOTIONS5.join(', ')} (any case).`,
  },
  unauthorized: { status: 401, message: 'Unauthorized' },
  forbidden: { status: 403, message: 'An admin key is needed for this endpoint.' },
  not_found: { status: 404, message: 'No such endpoint.' },
  job_not_found: { status: 404, message: 'No such job (or it has expired).' },
  request_not_found: { status: 404, message: 'No answer of yours has this request id.' },
  subject_not_found: { status: 404, message: 'Nothing is stored for this subject.' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this endpoint.' },
  not_acceptable: {
    status: 406,
    message: 'The Accept header allows none of the types this endpoint answers with.',
  },
  payload_too_large: { status: 413, message: 'The upload is larger than the configured limit.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  unsupported_media_type: { status: 415, message: 'Unsupported Content-Type.' },
  not_a_video: { status: 422, message: 'The upload is not a decodable video.' },
  no_video_stream: { status: 422, message: 'The file has no video stream.' },
  too_few_frames: { status: 422, message: 'The video has fewer than 15 frames.' },
  video_too_long: { status: 422, message: 'The video is longer than the configured limit.' },
  too_many_pixels: { status: 422, message: 'The video frame size exceeds the configured limit.' },
  decode_failed: { status: 422, message: 'The video could not be decoded.' },
  processing_timeout: { status: 422, message: 'The video took too long to process.' },
  thumbnail_too_large: {
    status: 422,
    message: 'The thumbnail would be larger than the configured limit.',
  },
  no_face: { status: 422, message: 'No face was found in any analysed frame.' },
  idempotency_key_reused: {
    status: 422,
    message: 'This Idempotency-Key was first used for a different request.',
  },
  no_subject: {
    status: 422,
    message:
      'That answer has no subject to learn for: it was given without a subject_id, or its subject was erased.',
  },
  still_image: {
    status: 422,
    message:
      'The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo).',
  },
  truncated_image: { status: 422, message: 'The image is cut off or damaged: send the whole file.' },
  unsupported_image: {
    status: 422,
    message: 'This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG.',
  },
  rate_limited: { status: 429, message: 'Too many requests; slow down.' },
  internal: { status: 500, message: 'Internal server error.' },
  not_implemented: { status: 501, message: 'Not implemented yet.' },
  overloaded: { status: 503, message: 'The server is busy; retry shortly.' },
  not_ready: { status: 503, message: 'The service is starting; retry shortly.' },
  worker_lost: {
    status: 503,
    message: 'The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** An error we expect and can describe to the client. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on 503. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? ERROR_TABLE[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_TABLE[code].status;
    this.headers = headers;
  }
}

/** A job's error as it is recorded and answered: one of our codes and its message. */
export interface ErrorShape {
  code: ErrorCode;
  message: string;
}

/** The error a job is recorded with: an AppError's code and message, anything else `internal`. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'Internal error while processing the job.' };
}

/**
 * The one codec for errors that cross a process or thread boundary (a worker process's IPC, the
 * engine thread, Redis): plain data that structured clone and JSON both carry.
 */
export interface WireError {
  /** The stable code when the error has one: ours (an AppError), or another (a Node error's `ENOENT`). */
  code?: string;
  message: string;
  /** An AppError's extra response headers (e.g. Retry-After), when it has any. */
  headers?: Record<string, string>;
}

/** An error from the other side of a boundary whose code is not one of ours (or that had none). */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) {
    const headers = Object.keys(err.headers).length > 0 ? { headers: { ...err.headers } } : {};
    return { code: err.code, message: err.message, ...headers };
  }
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: err instanceof Error ? err.message : String(err),
  };
}

/** The error behind a {@link WireError}: an AppError (its status from the table) when the code is ours. */
export function fromWireError(wire: WireError): AppError | RemoteError {
  if (isErrorCode(wire.code)) return new AppError(wire.code, wire.message, { ...wire.headers });
  return new RemoteError(wire.message, wire.code);
}
