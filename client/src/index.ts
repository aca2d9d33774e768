/**
 * A typed client for the service, generated from its OpenAPI document (`openapi-types.ts`,
 * kept fresh by a test) with openapi-fetch, plus a small convenience layer: a video from a
 * file path or bytes goes as the raw body (the fast path) unless you ask for the v1 API's
 * base64 JSON or a multipart form, the date header is set for you, errors are thrown as
 * {@link EmotionApiError}, and a job's `result` is typed by its task.
 *
 * @example
 * ```ts
 * import { createEmotionClient } from '@emothumb/client';
 * const api = createEmotionClient({ baseUrl: 'http://localhost:5000', apiKey: process.env.API_KEY! });
 * const { emotion, confidence } = await api.predict('selfie.mp4');
 * const cover = await api.thumbnail('selfie.mp4', { duration: 2, output_format: 'webp' });
 * const mp4 = await api.thumbnailFile('selfie.mp4'); // the raw file, no base64
 * const job = await api.waitForJob(await api.submitJob('analyze', 'selfie.mp4'));
 * if (job.status === 'succeeded') console.log(job.result.thumbnail.format); // an AnalyzeResult
 * const photo = await api.analyze('selfie.jpg'); // a still photo: one frame, a JPEG cover
 * ```
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';

import createClient, { type Middleware } from 'openapi-fetch';

import type { operations, paths } from './openapi-types.js';

export type { operations, paths } from './openapi-types.js';

type Ok<Op extends keyof operations> = operations[Op]['responses'] extends { 200: { content: infer C } }
  ? C extends { 'application/json': infer B }
    ? B
    : never
  : never;

/** The /predict answer. */
export type PredictResult = Ok<'predict'>;
/** The /thumbnail answer (JSON form). */
export type ThumbnailResult = Ok<'thumbnail'>;
/** The /analyze answer. */
export type AnalyzeResult = Ok<'analyze'>;
/** The /logs answer. */
export type LogsResult = Ok<'logs'>;
/** What GET /jobs/<id> answers, as the OpenAPI document describes it (`result` untyped). */
type RawJobDocument = Ok<'getJob'>;

/** The async tasks, each answering what its sync endpoint answers. */
export interface TaskResults {
  predict: PredictResult;
  thumbnail: ThumbnailResult;
  analyze: AnalyzeResult;
}

/** An async task: `POST /jobs/<task>`. */
export type Task = keyof TaskResults;

/** The error a failed job carries: what the sync endpoint would have answered. */
export type JobError = NonNullable<RawJobDocument['error']>;

type JobCommon = Omit<RawJobDocument, 'task' | 'status' | 'result' | 'error'>;

/**
 * A job's document (GET /jobs/<id>, and what a webhook receives), a union on `task` and
 * `status`: `result` is the task's own answer once `succeeded` (an {@link AnalyzeResult} for
 * `analyze`), `error` is set once `failed`, both are null before. The OpenAPI document types
 * `result` as any object (one schema for three tasks); the service sends the sync endpoint's body.
 *
 * @example
 * ```ts
 * const doc = JSON.parse(webhookBody) as Job;
 * if (doc.task === 'predict' && doc.status === 'succeeded') console.log(doc.result.emotion);
 * ```
 */
export type Job<T extends Task = Task> = {
  [K in T]:
    | (JobCommon & { task: K; status: 'queued' | 'running'; result: null; error: null })
    | (JobCommon & { task: K; status: 'succeeded'; result: TaskResults[K]; error: null })
    | (JobCommon & { task: K; status: 'failed'; result: null; error: JobError });
}[T];

/** A job that has ended: narrow on `status` to get its `result` or its `error`. */
export type EndedJob<T extends Task = Task> = Extract<Job<T>, { status: 'succeeded' | 'failed' }>;

/** {@link Job} under its earlier name, for code written against it. */
export type JobDocument<T extends Task = Task> = Job<T>;
/**
 * A queued job, as POST /jobs/<task> answers it (202), with the `task` it was submitted as:
 * pass it to `job` or `waitForJob` and the result is typed by that task.
 */
export type JobAccepted<T extends Task = Task> =
  operations['submitPredictJob']['responses'][202]['content']['application/json'] & { task: T };

/** A job by id, or by a document of it (which also tells its task, and so its result's type). */
export type JobRef<T extends Task = Task> = string | { job_id: string; task: T };

/** Options of an async job, beyond the endpoint's own. */
export interface JobOptions {
  /** Where to POST the finished job (signed with WEBHOOK_SECRET). */
  callbackUrl?: string;
  /** The same key from the same client returns the first job instead of queueing another. */
  idempotencyKey?: string;
}

/** Who is in the clip (/predict, /analyze and their jobs): see POST /feedback. */
export interface SubjectOptions {
  subject_id?: string;
}

/** What is stored for a subject (GET /subjects/<id>, and the answer of POST /feedback). */
export type SubjectState = Ok<'getSubject'>;

/** Options of /thumbnail and /analyze. */
export interface ThumbnailOptions {
  duration?: number;
  output_format?: 'mp4' | 'webp' | 'gif';
  max_size?: number;
  crop?: 'none' | 'square' | 'face';
  anchor?: 'whole' | 'peak';
}

/**
 * How a call sends its video, and extra headers. The three upload forms give the same answers;
 * the raw body is the fastest (streamed to disk by the service, no base64).
 */
export interface CallOptions {
  /**
   * `raw` (default): the bytes are the body and options go in the query string; `json`: the
   * v1 API's `{"encoding": "base64", "format", "content"}` with the options in the body;
   * `multipart`: a `video` form field with the options as fields (what an HTML form sends).
   */
  upload?: 'raw' | 'json' | 'multipart';
  /**
   * Content-Type of a raw body (default application/octet-stream; `video/mp4` and other
   * `video/*` work too, and `image/jpeg`, `image/png`, `image/webp`, `image/heic` for a still
   * photo on predict and analyze), or of a multipart upload's file part.
   */
  contentType?: string;
  /** The container hint of a JSON upload (`format`); default: the file's extension. */
  format?: string;
  /** The file name of a multipart upload; default: the file's name, or `video`. */
  filename?: string;
  /** Headers for this call only, e.g. `{ 'x-client-id': 'nightly-batch' }`. */
  headers?: Record<string, string>;
}

/** Filters of /logs. */
export interface LogFilters {
  start_date?: string;
  end_date?: string;
  status_code?: number;
  success?: boolean;
  client_id?: string;
  endpoint?: string;
  limit?: number;
  cursor?: string;
}

/** An error answer of the service: its HTTP status, its stable code and its message. */
export class EmotionApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'EmotionApiError';
  }
}

export interface EmotionClientOptions {
  /** e.g. http://localhost:5000 */
  baseUrl: string;
  apiKey: string;
  /** Recorded in the request log (a client key's own id always wins); a call's own `x-client-id` header wins over it. */
  clientId?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A video: a file path, or its bytes. */
export type VideoInput = string | Uint8Array;

/** A thumbnail as a file (the `Accept` path): its bytes and content type. */
export interface ThumbnailFile {
  data: Uint8Array;
  contentType: string;
}

const MIME_TYPES = { mp4: 'video/mp4', webp: 'image/webp', gif: 'image/gif' } as const;

const toBytes = async (video: VideoInput): Promise<Uint8Array> =>
  typeof video === 'string' ? new Uint8Array(await readFile(video)) : video;

/** The container hint from a path's extension (`clip.webm` -> `webm`), if any. */
const extensionOf = (video: VideoInput): string | undefined =>
  typeof video === 'string' ? extname(video).slice(1).toLowerCase() || undefined : undefined;

export function createEmotionClient(options: EmotionClientOptions) {
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('x-api-key', options.apiKey);
      // Browsers cannot set Date; x-date works everywhere.
      request.headers.set('x-date', new Date().toISOString());
      if (options.clientId && !request.headers.has('x-client-id'))
        request.headers.set('x-client-id', options.clientId);
      return request;
    },
  };
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  api.use(auth);

  async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, error, response } = await call;
    if (data !== undefined && response.ok) return data;
    const body = (error ?? {}) as { error?: string; code?: string; request_id?: string };
    throw new EmotionApiError(
      response.status,
      body.code ?? 'unknown',
      body.error ?? response.statusText,
      body.request_id ?? response.headers.get('x-request-id') ?? undefined,
    );
  }

  /** The request for a video and its options in the chosen upload form. */
  async function upload(video: VideoInput, opts: ThumbnailOptions, call: CallOptions) {
    const bytes = await toBytes(video);
    const values = definedOnly(opts);
    switch (call.upload ?? 'raw') {
      case 'raw':
        return {
          body: bytes as never,
          bodySerializer: (b: unknown) => b as never,
          params: { query: stringify(values) as never },
          headers: { 'content-type': call.contentType ?? 'application/octet-stream', ...call.headers },
        };
      case 'json': {
        const format = call.format ?? extensionOf(video);
        return {
          body: {
            encoding: 'base64',
            ...(format ? { format } : {}),
            content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
            ...values,
          } as never,
          headers: { 'content-type': 'application/json', ...call.headers },
        };
      }
      case 'multipart': {
        const form = new FormData();
        const name = call.filename ?? (typeof video === 'string' ? basename(video) : 'video');
        const type = call.contentType ? { type: call.contentType } : {};
        form.append('video', new Blob([bytes as Uint8Array<ArrayBuffer>], type), name);
        for (const [k, v] of Object.entries(stringify(values))) form.append(k, v);
        return { body: form as never, headers: { ...call.headers } };
      }
    }
  }

  async function getJob<T extends Task = Task>(job: JobRef<T>): Promise<Job<T>> {
    const id = typeof job === 'string' ? job : job.job_id;
    const doc = await unwrap(api.GET('/jobs/{id}', { params: { path: { id } } }));
    return typed<T>(doc, typeof job === 'string' ? undefined : job.task);
  }

  return {
    /** The underlying typed openapi-fetch client, for anything the helpers do not cover. */
    api,
    async predict(video: VideoInput, opts: SubjectOptions & CallOptions = {}): Promise<PredictResult> {
      const { subject_id, ...call } = opts;
      return unwrap(api.POST('/predict', await upload(video, { subject_id } as ThumbnailOptions, call)));
    },
    async thumbnail(video: VideoInput, opts: ThumbnailOptions & CallOptions = {}): Promise<ThumbnailResult> {
      const [thumbnailOpts, call] = split(opts);
      return unwrap(api.POST('/thumbnail', await upload(video, thumbnailOpts, call)));
    },
    /**
     * The thumbnail as a file (bytes and content type) instead of base64 JSON: the
     * recommended path for large outputs (long GIFs, `max_size=0`).
     */
    async thumbnailFile(
      video: VideoInput,
      opts: ThumbnailOptions & CallOptions = {},
    ): Promise<ThumbnailFile> {
      const [thumbnailOpts, call] = split(opts);
      const request = await upload(video, thumbnailOpts, call);
      const accept = MIME_TYPES[thumbnailOpts.output_format ?? 'mp4'];
      const data = await unwrap(
        api.POST('/thumbnail', {
          ...request,
          headers: { ...request.headers, accept },
          parseAs: 'arrayBuffer',
        }) as Promise<{ data?: ArrayBuffer; error?: unknown; response: Response }>,
      );
      return { data: new Uint8Array(data), contentType: accept };
    },
    async analyze(
      video: VideoInput,
      opts: ThumbnailOptions & SubjectOptions & CallOptions = {},
    ): Promise<AnalyzeResult> {
      const [thumbnailOpts, call] = split(opts);
      return unwrap(api.POST('/analyze', await upload(video, thumbnailOpts, call)));
    },
    async logs(filters: LogFilters = {}, call: Pick<CallOptions, 'headers'> = {}): Promise<LogsResult> {
      return unwrap(
        api.GET('/logs', { params: { query: stringify(filters) as never }, headers: { ...call.headers } }),
      );
    },
    /** The Prometheus text (an admin key is needed). */
    async metrics(): Promise<string> {
      return unwrap(
        api.GET('/metrics', { parseAs: 'text' }) as Promise<{
          data?: string;
          error?: unknown;
          response: Response;
        }>,
      );
    },
    /**
     * Queues an async job; resolves with its id, task and state (`status_url` to poll, or pass
     * it to {@link waitForJob}). With a known `idempotencyKey` it is the first job's (possibly
     * already ended).
     */
    async submitJob<T extends Task>(
      task: T,
      video: VideoInput,
      opts: SubmitOptions<T> = {},
    ): Promise<JobAccepted<T>> {
      const { callbackUrl, idempotencyKey, ...rest } = opts as ThumbnailOptions &
        SubjectOptions &
        CallOptions &
        JobOptions;
      const [thumbnailOpts, call] = split(rest);
      const headers = { ...call.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
      const init = await upload(video, { ...thumbnailOpts, callback_url: callbackUrl } as ThumbnailOptions, {
        ...call,
        headers,
      });
      const submitted =
        task === 'predict'
          ? api.POST('/jobs/predict', init as never)
          : task === 'thumbnail'
            ? api.POST('/jobs/thumbnail', init as never)
            : api.POST('/jobs/analyze', init as never);
      // 202 for a new job; 200 and the whole document when a known key names an ended one.
      const doc = await unwrap(
        submitted as Promise<{ data?: Omit<JobAccepted, 'task'>; error?: unknown; response: Response }>,
      );
      return { job_id: doc.job_id, task, status: doc.status, status_url: doc.status_url };
    },
    /**
     * Corrects an answer given with a `subject_id` (`requestId`: its `x-request-id` header, which
     * `api` exposes on `response`); answers the subject as stored now.
     */
    async feedback(requestId: string, emotion: string): Promise<SubjectState> {
      return unwrap(
        api.POST('/feedback', {
          body: { request_id: requestId, emotion },
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
    /** What is stored for a subject (numbers only). */
    async subject(id: string): Promise<SubjectState> {
      return unwrap(api.GET('/subjects/{id}', { params: { path: { id } } }));
    },
    /** Erases a subject: its later answers are exactly the uncorrected ones again. */
    async deleteSubject(id: string): Promise<void> {
      const { response, error } = await api.DELETE('/subjects/{id}', { params: { path: { id } } });
      if (response.ok) return;
      const body = (error ?? {}) as { error?: string; code?: string; request_id?: string };
      throw new EmotionApiError(
        response.status,
        body.code ?? 'unknown',
        body.error ?? response.statusText,
        body.request_id ?? response.headers.get('x-request-id') ?? undefined,
      );
    },
    /** A job's state, and its result or error once it has ended. */
    job: getJob,
    /**
     * Polls a job until it has ended (succeeded or failed); rejects after `timeoutMs`. Given
     * the document {@link submitJob} resolved with, the result is typed by its task.
     */
    async waitForJob<T extends Task = Task>(
      job: JobRef<T>,
      { intervalMs = 500, timeoutMs = 600_000 }: { intervalMs?: number; timeoutMs?: number } = {},
    ): Promise<EndedJob<T>> {
      const id = typeof job === 'string' ? job : job.job_id;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const doc = await getJob(job);
        if (doc.status === 'succeeded' || doc.status === 'failed') return doc as EndedJob<T>;
        if (Date.now() > deadline) throw new Error(`job ${id} did not end within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
  };
}

/** The options of `submitJob` for a task: /jobs/predict takes no thumbnail options. */
export type SubmitOptions<T extends Task> = CallOptions &
  JobOptions &
  ([T] extends ['predict']
    ? SubjectOptions
    : [T] extends ['analyze']
      ? ThumbnailOptions & SubjectOptions
      : ThumbnailOptions);

/**
 * The service's job document as the task's own type. Every document names its task, so a
 * mismatch with the one the caller gave is a mix-up of ids worth stopping at.
 */
function typed<T extends Task>(doc: RawJobDocument, expected: T | undefined): Job<T> {
  if (expected !== undefined && doc.task !== expected)
    throw new Error(`job ${doc.job_id} is a ${doc.task} job, not ${expected}`);
  return doc as Job<T>;
}

/** What {@link createEmotionClient} returns. */
export type EmotionClient = ReturnType<typeof createEmotionClient>;

/** The thumbnail options and the call options of one argument. */
function split(opts: ThumbnailOptions & CallOptions): [ThumbnailOptions, CallOptions] {
  const { upload, contentType, format, filename, headers, ...thumbnailOpts } = opts;
  return [thumbnailOpts, { upload, contentType, format, filename, headers }];
}

function definedOnly(values: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

/** Query values as the service reads them (strings), undefined ones left out. */
function stringify(values: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
