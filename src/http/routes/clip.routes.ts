import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { ClipOutcome, ClipService } from '../../services/clip.service.js';
import type { SubjectsService } from '../../services/subjects.service.js';
import type { ThumbnailFormat } from '../../media/types.js';
import { round4 } from '../prediction-body.js';
import { errorResponses, securedHeaders, videoBodyContent } from '../schemas.js';
import {
  HTTP_TASK_LIST,
  readTaskRequest,
  thumbnailOf,
  videoRouteOptions,
  type HttpTask,
  type TaskRequest,
} from '../tasks.js';
import { checkAcceptsJson, negotiateThumbnail } from '../thumbnail-options.js';
import { receiveVideo } from '../video-upload.js';
import { subjectScopeOf } from './subjects.routes.js';

export interface ClipRoutesOptions {
  clips: ClipService;
  subjects: SubjectsService;
  tmpDir: string;
  maxUploadBytes: number;
}

const ERRORS = errorResponses(400, 401, 406, 413, 415, 422, 429, 500, 503);
export function recordPrediction(request: FastifyRequest, outcome: ClipOutcome): void {
  if (!outcome.prediction) return;
  request.logExtras.prediction = outcome.prediction.emotion;
  request.logExtras.confidence = round4(outcome.prediction.confidence);
  request.logExtras.model = outcome.prediction.model;
}

function elapsed(reply: FastifyReply): number {
  return Math.round(reply.elapsedTime);
}

/** A task's sync endpoint in the OpenAPI document (from the task table). */
function syncRouteSchema(task: HttpTask) {
  return {
    operationId: task.name,
    summary: task.summary,
    description: task.description,
    headers: securedHeaders,
    ...(task.query ? { querystring: task.query } : {}),
    body: videoBodyContent(task.jsonBody),
    response: { 200: task.response, ...ERRORS },
  };
}

/** Sends a finished cover as the raw file (what /thumbnail answers when Accept asks for it). */
function sendRawCover(reply: FastifyReply, outcome: ClipOutcome) {
  const thumb = outcome.thumbnail!;
  return reply
    .type(thumb.mimeType)
    .header('x-thumbnail-frames', String(thumb.frames))
    .header('x-latency-ms', String(elapsed(reply)))
    .send(thumb.data);
}

/** The three video endpoints: translate HTTP to a ClipService call and back, nothing more. */
export async function clipRoutes(app: FastifyInstance, options: ClipRoutesOptions): Promise<void> {
  const { clips, subjects, tmpDir, maxUploadBytes } = options;
  // Overload is answered before the upload is read: memory stays flat however many clients push.
  const refuseWhenSaturated = async (): Promise<void> => {
    if (clips.isSaturated()) throw new AppError('overloaded', undefined, { 'retry-after': '2' });
  };

  /** An answer for a subject is adjusted by what its corrections taught (and kept for the next one). */
  async function forSubject(
    request: FastifyRequest,
    subjectId: string | null,
    outcome: ClipOutcome,
  ): Promise<ClipOutcome> {
    if (subjectId === null || !outcome.prediction) return outcome;
    const prediction = await subjects.answer(
      subjectScopeOf(request),
      subjectId,
      request.id,
      outcome.prediction,
    );
    return { ...outcome, prediction };
  }

  /** Reads the upload, checks its options and runs the task; the raw cover's format if Accept asked for one. */
  async function runTask(request: FastifyRequest, task: HttpTask) {
    const upload = await receiveVideo(request, tmpDir, maxUploadBytes);
    let asked: TaskRequest;
    let raw: ThumbnailFormat | null = null;
    let answered: ClipOutcome;
    try {
      asked = readTaskRequest(task, upload.options, upload.transport);
      // Accept may ask for the raw file, and pick its format when output_format was not given.
      if (task.rawCover) raw = negotiateThumbnail(request.headers.accept, asked.given?.format);
      answered = await clips.run(task.name, upload.path, thumbnailOf(task, asked, raw), request.id);
    } finally {
      await upload.dispose();
    }
    return { outcome: await forSubject(request, asked.subjectId, answered), raw };
  }

  for (const task of HTTP_TASK_LIST) {
    const routeOptions = videoRouteOptions(maxUploadBytes, refuseWhenSaturated, syncRouteSchema(task));
    app.post(task.path, routeOptions, async (request, reply) => {
      if (!task.rawCover) checkAcceptsJson(request.headers.accept);
      const { outcome, raw } = await runTask(request, task);
      recordPrediction(request, outcome);
      if (raw !== null) return sendRawCover(reply, outcome);
      return task.body(outcome, elapsed(reply));
    });
  }
}
