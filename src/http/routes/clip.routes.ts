import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { ThumbnailRequest } from '../../jobs/clip-job.types.js';
import type { ClipOutcome, ClipService } from '../../services/clip.service.js';
import { parseSubjectId, type SubjectsService } from '../../services/subjects.service.js';
import { thumbnailBody } from '../clip-bodies.js';
import { predictionBody, round4 } from '../prediction-body.js';
import {
  AnalyzeResponse,
  errorResponses,
  PredictJsonBody,
  PredictResponse,
  securedHeaders,
  ThumbnailJsonBody,
  ThumbnailQuery,
  ThumbnailResponse,
  videoBodyContent,
} from '../schemas.js';
import { checkPredictOptions, thumbnailOptionsOf, type UploadTransport } from '../request-options.js';
import { checkAcceptsJson, negotiateThumbnail, parseThumbnailOptions } from '../thumbnail-options.js';
import type { ThumbnailFormat } from '../../media/types.js';
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

/** The three video endpoints: translate HTTP to a ClipService call and back, nothing more. */
export async function clipRoutes(app: FastifyInstance, options: ClipRoutesOptions): Promise<void> {
  const { clips, subjects, tmpDir, maxUploadBytes } = options;
  // Overload is answered before the upload is read: memory stays flat however many clients push.
  const refuseWhenSaturated = async (): Promise<void> => {
    if (clips.isSaturated()) throw new AppError('overloaded', undefined, { 'retry-after': '2' });
  };
  // base64 is 4/3 of the bytes, plus the JSON around it.
  const bodyLimit = Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024;

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

  async function withUpload<T>(
    request: FastifyRequest,
    work: (path: string, opts: Record<string, unknown>, transport: UploadTransport) => Promise<T>,
  ) {
    const upload = await receiveVideo(request, tmpDir, maxUploadBytes);
    try {
      return await work(upload.path, upload.options, upload.transport);
    } finally {
      await upload.dispose();
    }
  }

  app.post(
    '/predict',
    {
      bodyLimit,
      // The schemas document the options; our own checks judge them, so that the same mistake gets
      // the same code and message by JSON, query string or form field (Fastify's would differ).
      attachValidation: true,
      onRequest: refuseWhenSaturated,
      schema: {
        operationId: 'predict',
        summary: 'Predict the emotion shown in a clip or a still photo',
        description:
          'Body: the v1 API JSON payload (base64), or the raw video (video/*, application/octet-stream), or multipart/form-data with a "video" field. A still photo (JPEG, PNG, WebP, HEIC) goes the same ways (raw: image/*) and is scored as a one-frame input: frames_analyzed 1, one timeline point at t=0, peak_t 0.',
        headers: securedHeaders,
        body: videoBodyContent(PredictJsonBody),
        response: { 200: PredictResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      checkAcceptsJson(request.headers.accept);
      let subjectId: string | null = null;
      const answered = await withUpload(request, (path, opts, transport) => {
        checkPredictOptions(opts, transport);
        subjectId = parseSubjectId(opts.subject_id);
        return clips.predict(path, request.id);
      });
      const outcome = await forSubject(request, subjectId, answered);
      recordPrediction(request, outcome);
      return { ...predictionBody(outcome.prediction!), latency_ms: elapsed(reply) };
    },
  );

  const thumbnailRoute = (url: '/thumbnail' | '/analyze', defaults: Partial<ThumbnailRequest>) =>
    app.post(
      url,
      {
        bodyLimit,
        // The schemas document the options; our own checks judge them, so that the same mistake gets
        // the same code and message by JSON, query string or form field (Fastify's would differ).
        attachValidation: true,
        onRequest: refuseWhenSaturated,
        schema: {
          operationId: url === '/thumbnail' ? 'thumbnail' : 'analyze',
          summary:
            url === '/thumbnail'
              ? 'Make a looping boomerang thumbnail of a clip'
              : 'Predict the emotion and make a thumbnail anchored at its peak, from one upload',
          description:
            url === '/thumbnail'
              ? 'Options come in the JSON body, or as query parameters for raw and multipart uploads. With Accept: video/mp4, image/webp or image/gif /thumbnail answers with the raw file (and, without output_format, in that format); an Accept that allows neither that nor JSON is 406. A still photo is refused (422 still_image): send it to /predict or /analyze.'
              : 'Options come in the JSON body, or as query parameters for raw and multipart uploads. A still photo (JPEG, PNG, WebP, HEIC; raw: image/*) is scored as a one-frame input and its cover is the photo itself, cropped and scaled as asked, as a still image: JPEG for output_format mp4 (the default), else a still WebP or GIF (frames 1, fps 0, duration 0).',
          headers: securedHeaders,
          querystring: ThumbnailQuery,
          body: videoBodyContent(ThumbnailJsonBody),
          response: { 200: url === '/thumbnail' ? ThumbnailResponse : AnalyzeResponse, ...ERRORS },
        },
      },
      async (request, reply) => {
        let raw: ThumbnailFormat | null = null;
        if (url === '/analyze') checkAcceptsJson(request.headers.accept);
        let subjectId: string | null = null;
        const answered = await withUpload(request, (path, opts, transport) => {
          const options = thumbnailOptionsOf(opts, url === '/analyze', transport);
          let thumb = parseThumbnailOptions(options, defaults);
          subjectId = parseSubjectId(opts.subject_id);
          if (url === '/analyze') return clips.analyze(path, thumb, request.id);
          // Accept may ask for the raw file, and pick its format when output_format was not given.
          const given = options.output_format !== undefined && options.output_format !== null;
          raw = negotiateThumbnail(request.headers.accept, given ? thumb.format : undefined);
          if (raw !== null && raw !== thumb.format)
            thumb = parseThumbnailOptions(options, { ...defaults, format: raw });
          return clips.thumbnail(path, thumb, request.id);
        });
        const outcome = await forSubject(request, subjectId, answered);
        recordPrediction(request, outcome);
        const thumb = outcome.thumbnail!;
        if (raw !== null) {
          return reply
            .type(thumb.mimeType)
            .header('x-thumbnail-frames', String(thumb.frames))
            .header('x-latency-ms', String(elapsed(reply)))
            .send(thumb.data);
        }
        const body = { ...thumbnailBody(thumb), latency_ms: elapsed(reply) };
        if (url === '/thumbnail') return body;
        return { ...predictionBody(outcome.prediction!), thumbnail: body, latency_ms: elapsed(reply) };
      },
    );

  thumbnailRoute('/thumbnail', {});
  thumbnailRoute('/analyze', { anchor: 'peak', crop: 'face' });
}
