/**
 * The HTTP side of the task table (`services/clip-tasks.ts`): for each video task, its paths,
 * its OpenAPI text and schemas, how its options are read and how its 200 body is built. The sync
 * routes, the job routes, a finished job's `result` and the OpenAPI document all read it.
 */
import type { TSchema } from '@sinclair/typebox';

import type { ClipJobResult, ThumbnailRequest } from '../jobs/clip-job.types.js';
import type { ThumbnailFormat } from '../media/types.js';
import { CLIP_TASKS, TASK_NAMES, type ClipTask } from '../services/clip-tasks.js';
import { parseSubjectId } from '../services/subjects.service.js';
import type { JobTask } from '../store/index.js';
import { predictionBody, thumbnailBody } from './prediction-body.js';
import { checkTaskOptions, type UploadTransport } from './request-options.js';
import {
  AnalyzeResponse,
  documentVideoRoute,
  PredictJsonBody,
  PredictResponse,
  ThumbnailJsonBody,
  ThumbnailQuery,
  ThumbnailResponse,
} from './schemas.js';
import { readThumbnailOptions, withThumbnailDefaults } from './thumbnail-options.js';

type ResultParts = Pick<ClipJobResult, 'prediction' | 'thumbnail'>;

export interface HttpTask extends ClipTask {
  /** The sync endpoint (the async one is `/jobs` + it). */
  path: `/${JobTask}`;
  summary: string;
  description: string;
  /** The JSON body as Fastify checks it (types and enums; the limits are our checks'). */
  jsonBody: TSchema;
  /** The sync route's query string as Fastify reads it (the document's comes from the options). */
  query?: TSchema;
  response: TSchema;
  /** The sync endpoint answers with the raw cover when the Accept header asks for it (else JSON only). */
  rawCover: boolean;
  /** The 200 body for a worker's result: the sync answer, and a finished job's `result`. */
  body(result: ResultParts, latencyMs: number): Record<string, unknown>;
}

const OPTIONS_WHERE = 'Options come in the JSON body, or as query parameters for raw and multipart uploads.';

export const HTTP_TASKS: Readonly<Record<JobTask, HttpTask>> = {
  predict: {
    ...CLIP_TASKS.predict,
    path: '/predict',
    summary: 'Predict the emotion shown in a clip or a still photo',
    description:
      'Body: the v1 API JSON payload (base64), or the raw video (video/*, application/octet-stream), or multipart/form-data with a "video" field. A still photo (JPEG, PNG, WebP, HEIC) goes the same ways (raw: image/*) and is scored as a one-frame input: frames_analyzed 1, one timeline point at t=0, peak_t 0.',
    jsonBody: PredictJsonBody,
    response: PredictResponse,
    rawCover: false,
    body: (result, latencyMs) => ({ ...predictionBody(result.prediction!), latency_ms: latencyMs }),
  },
  thumbnail: {
    ...CLIP_TASKS.thumbnail,
    path: '/thumbnail',
    summary: 'Make a looping boomerang thumbnail of a clip',
    description: `${OPTIONS_WHERE} With Accept: video/mp4, image/webp or image/gif /thumbnail answers with the raw file (and, without output_format, in that format); an Accept that allows neither that nor JSON is 406. A still photo is refused (422 still_image): send it to /predict or /analyze.`,
    jsonBody: ThumbnailJsonBody,
    query: ThumbnailQuery,
    response: ThumbnailResponse,
    rawCover: true,
    body: (result, latencyMs) => ({ ...thumbnailBody(result.thumbnail!), latency_ms: latencyMs }),
  },
  analyze: {
    ...CLIP_TASKS.analyze,
    path: '/analyze',
    summary: 'Predict the emotion and make a thumbnail anchored at its peak, from one upload',
    description: `${OPTIONS_WHERE} A still photo (JPEG, PNG, WebP, HEIC; raw: image/*) is scored as a one-frame input and its cover is the photo itself, cropped and scaled as asked, as a still image: JPEG for output_format mp4 (the default), else a still WebP or GIF (frames 1, fps 0, duration 0).`,
    jsonBody: ThumbnailJsonBody,
    query: ThumbnailQuery,
    response: AnalyzeResponse,
    rawCover: false,
    body: (result, latencyMs) => ({
      ...predictionBody(result.prediction!),
      thumbnail: { ...thumbnailBody(result.thumbnail!), latency_ms: latencyMs },
      latency_ms: latencyMs,
    }),
  },
};

export const HTTP_TASK_LIST: readonly HttpTask[] = TASK_NAMES.map((name) => HTTP_TASKS[name]);

/** The body `/predict`, `/thumbnail` or `/analyze` answers for a result (a finished job's `result`). */
export function clipResultBody(
  task: JobTask,
  result: ResultParts,
  latencyMs: number,
): Record<string, unknown> {
  return HTTP_TASKS[task].body(result, latencyMs);
}

/** What a request asks of a task, its options checked (the thumbnail's not yet completed with defaults). */
export interface TaskRequest {
  /** The thumbnail options given; undefined for a task without them. */
  given?: Partial<ThumbnailRequest>;
  subjectId: string | null;
}

/** Checks an upload's options for a task: unknown or bad ones are a 400 naming the field. */
export function readTaskRequest(
  task: ClipTask,
  options: Record<string, unknown>,
  transport: UploadTransport,
): TaskRequest {
  const thumbnailSource = checkTaskOptions(task, options, transport);
  const given = task.thumbnail ? readThumbnailOptions(thumbnailSource) : undefined;
  return { given, subjectId: parseSubjectId(options.subject_id) };
}

/**
 * The thumbnail a request asks for, its options completed with the task's defaults; `format`
 * (the one the Accept header picked for the raw file) replaces the default format.
 */
export function thumbnailOf(
  task: ClipTask,
  request: TaskRequest,
  format?: ThumbnailFormat | null,
): ThumbnailRequest | undefined {
  if (!task.thumbnail || !request.given) return undefined;
  return withThumbnailDefaults(request.given, format ? { ...task.thumbnail, format } : task.thumbnail);
}

/**
 * The route options of a video task's endpoint (sync or async): the upload's body limit (base64
 * is 4/3 of the bytes, plus the JSON around it), the early refusal and the OpenAPI schema.
 */
export function videoRouteOptions<S extends object>(
  maxUploadBytes: number,
  onRequest: () => Promise<void>,
  schema: S,
) {
  return {
    bodyLimit: Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024,
    // The schemas document the options; our own checks judge them, so that the same mistake gets
    // the same code and message by JSON, query string or form field (Fastify's would differ).
    attachValidation: true,
    onRequest,
    schema,
  };
}

/** The task a sync (`/analyze`) or async (`/jobs/analyze`) video route serves; undefined for others. */
export function videoRouteTask(url: string): { task: HttpTask; asyncJob: boolean } | undefined {
  const asyncJob = url.startsWith('/jobs/');
  const task = HTTP_TASK_LIST.find((t) => t.path === (asyncJob ? url.slice('/jobs'.length) : url));
  return task && { task, asyncJob };
}

/** The OpenAPI document's view of a route: the video routes get their media types and typed options. */
export function documentRoute({ schema, url }: { schema: unknown; url: string }): {
  schema: unknown;
  url: string;
} {
  const video = videoRouteTask(url);
  if (!schema || !video) return { schema, url };
  return { schema: documentVideoRoute(schema as Record<string, unknown>, video.task, video.asyncJob), url };
}
