/**
 * A typed client for the service, generated from its OpenAPI document (`openapi-types.ts`,
 * kept fresh by a test) with openapi-fetch, plus a small convenience layer: a video from a
 * file path or bytes goes as the raw body (the fast path), the date header is set for you,
 * and errors are thrown as {@link EmotionApiError}.
 *
 * @example
 * ```ts
 * import { createEmotionClient } from 'emotion-thumbnails/client';
 * const api = createEmotionClient({ baseUrl: 'http://localhost:5000', apiKey: process.env.KEY! });
 * const { emotion, confidence } = await api.predict('selfie.mp4');
 * const cover = await api.thumbnail('selfie.mp4', { duration: 2, output_format: 'webp' });
 * ```
 */
import { readFile } from 'node:fs/promises';

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
/** A job's document (GET /jobs/<id>, and what a webhook receives). */
export type JobDocument = Ok<'getJob'>;
/** The 202 answer of POST /jobs/*. */
export type JobAccepted = operations['submitPredictJob']['responses'][202]['content']['application/json'];

/** Options of an async job, beyond the endpoint's own. */
export interface JobOptions {
  /** Where to POST the finished job (signed with WEBHOOK_SECRET). */
  callbackUrl?: string;
  /** The same key from the same client returns the first job instead of queueing another. */
  idempotencyKey?: string;
}

/** Options of /thumbnail and /analyze. */
export interface ThumbnailOptions {
  duration?: number;
  output_format?: 'mp4' | 'webp' | 'gif';
  max_size?: number;
  crop?: 'none' | 'square' | 'face';
  anchor?: 'whole' | 'peak';
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
  /** Recorded in the request log (a client key's own id always wins). */
  clientId?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A video: a file path, or its bytes. */
export type VideoInput = string | Uint8Array;

const toBytes = async (video: VideoInput): Promise<Uint8Array> =>
  typeof video === 'string' ? new Uint8Array(await readFile(video)) : video;

export function createEmotionClient(options: EmotionClientOptions) {
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('x-api-key', options.apiKey);
      // Browsers cannot set Date; x-date works everywhere.
      request.headers.set('x-date', new Date().toISOString());
      if (options.clientId) request.headers.set('x-client-id', options.clientId);
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
  const raw = async (video: VideoInput) => ({
    body: (await toBytes(video)) as never,
    bodySerializer: (b: unknown) => b as never,
    headers: { 'content-type': 'application/octet-stream' },
  });

  return {
    /** The underlying typed openapi-fetch client, for anything the helpers do not cover. */
    api,
    async predict(video: VideoInput): Promise<PredictResult> {
      return unwrap(api.POST('/predict', await raw(video)));
    },
    async thumbnail(video: VideoInput, opts: ThumbnailOptions = {}): Promise<ThumbnailResult> {
      return unwrap(api.POST('/thumbnail', { ...(await raw(video)), params: { query: stringify(opts) } }));
    },
    async analyze(video: VideoInput, opts: ThumbnailOptions = {}): Promise<AnalyzeResult> {
      return unwrap(api.POST('/analyze', { ...(await raw(video)), params: { query: stringify(opts) } }));
    },
    /**
     * Queues an async job; resolves with its id and state (`status_url` to poll). With a
     * known `idempotencyKey` it is the first job's (possibly already ended).
     */
    async submitJob(
      task: 'predict' | 'thumbnail' | 'analyze',
      video: VideoInput,
      opts: ThumbnailOptions & JobOptions = {},
    ): Promise<JobAccepted> {
      const { callbackUrl, idempotencyKey, ...options } = opts;
      const request = await raw(video);
      const query = stringify({ ...options, callback_url: callbackUrl });
      const init = {
        ...request,
        headers: { ...request.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        params: { query },
      };
      const call =
        task === 'predict'
          ? api.POST('/jobs/predict', init as never)
          : task === 'thumbnail'
            ? api.POST('/jobs/thumbnail', init as never)
            : api.POST('/jobs/analyze', init as never);
      const doc = (await unwrap(
        call as Promise<{ data?: unknown; error?: unknown; response: Response }>,
      )) as JobAccepted;
      return { job_id: doc.job_id, status: doc.status, status_url: doc.status_url };
    },
    /** A job's state, and its result or error once it has ended. */
    async job(id: string): Promise<JobDocument> {
      return unwrap(api.GET('/jobs/{id}', { params: { path: { id } } }));
    },
    /** Polls a job until it has ended (succeeded or failed); rejects after `timeoutMs`. */
    async waitForJob(id: string, { intervalMs = 500, timeoutMs = 600_000 } = {}): Promise<JobDocument> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const doc = await unwrap(api.GET('/jobs/{id}', { params: { path: { id } } }));
        if (doc.status === 'succeeded' || doc.status === 'failed') return doc;
        if (Date.now() > deadline) throw new Error(`job ${id} did not end within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
    async logs(filters: LogFilters = {}): Promise<LogsResult> {
      return unwrap(api.GET('/logs', { params: { query: stringify(filters) as never } }));
    },
  };
}

/** Query values as the service reads them (strings), undefined ones left out. */
function stringify(values: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
