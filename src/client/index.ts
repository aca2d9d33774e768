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
