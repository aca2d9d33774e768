import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { ThumbnailRequest } from '../../jobs/clip-job.types.js';
import type { ClipOutcome, ClipService } from '../../services/clip.service.js';
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
import { checkPredictOptions, thumbnailOptionsOf } from '../request-options.js';
import { parseThumbnailOptions, wantsRawFile } from '../thumbnail-options.js';
import { receiveVideo } from '../video-upload.js';

export interface ClipRoutesOptions {
  clips: ClipService;
  tmpDir: string;
  maxUploadBytes: number;
}

const ERRORS = errorResponses(400, 401, 413, 415, 422, 429, 500, 503);
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
  const { clips, tmpDir, maxUploadBytes } = options;
  // Overload is answered before the upload is read: memory stays flat however many clients push.
  const refuseWhenSaturated = async (): Promise<void> => {
    if (clips.isSaturated()) throw new AppError('overloaded', undefined, { 'retry-after': '2' });
  };
  // base64 is 4/3 of the bytes, plus the JSON around it.
  const bodyLimit = Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024;

  async function withUpload<T>(
    request: FastifyRequest,
    work: (path: string, opts: Record<string, unknown>) => Promise<T>,
  ) {
    const upload = await receiveVideo(request, tmpDir, maxUploadBytes);
    try {
      return await work(upload.path, upload.options);
    } finally {
      await upload.dispose();
    }
  }

  app.post(
    '/predict',
    {
      bodyLimit,
      onRequest: refuseWhenSaturated,
      schema: {
        operationId: 'predict',
        summary: 'Predict the emotion shown in a clip or a still photo',
        description:
          'Body: the seed JSON payload (base64), or the raw video (video/*, application/octet-stream), or multipart/form-data with a "video" field. A still photo (JPEG, PNG, WebP, HEIC) goes the same ways (raw: image/*) and is scored as a one-frame input: frames_analyzed 1, one timeline point at t=0, peak_t 0.',
        headers: securedHeaders,
        body: videoBodyContent(PredictJsonBody),
        response: { 200: PredictResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const outcome = await withUpload(request, (path, opts) => {
        checkPredictOptions(opts);
        return clips.predict(path, request.id);
      });
      recordPrediction(request, outcome);
      return { ...predictionBody(outcome.prediction!), latency_ms: elapsed(reply) };
    },
  );

  const thumbnailRoute = (url: '/thumbnail' | '/analyze', defaults: Partial<ThumbnailRequest>) =>
    app.post(
      url,
      {
        bodyLimit,
        onRequest: refuseWhenSaturated,
        schema: {
          operationId: url === '/thumbnail' ? 'thumbnail' : 'analyze',
          summary:
            url === '/thumbnail'
              ? 'Make a looping boomerang thumbnail of a clip'
              : 'Predict the emotion and make a thumbnail anchored at its peak, from one upload',
          description:
            url === '/thumbnail'
              ? "Options come in the JSON body, or as query parameters for raw and multipart uploads. With Accept: video/mp4 (or the chosen format's type) /thumbnail answers with the raw file. A still photo is refused (422 still_image): send it to /predict or /analyze."
              : 'Options come in the JSON body, or as query parameters for raw and multipart uploads. A still photo (JPEG, PNG, WebP, HEIC; raw: image/*) is scored as a one-frame input and its cover is the photo itself, cropped and scaled as asked, as a still image: JPEG for output_format mp4 (the default), else a still WebP or GIF (frames 1, fps 0, duration 0).',
          headers: securedHeaders,
          querystring: ThumbnailQuery,
          body: videoBodyContent(ThumbnailJsonBody),
          response: { 200: url === '/thumbnail' ? ThumbnailResponse : AnalyzeResponse, ...ERRORS },
        },
      },
      async (request, reply) => {
        const outcome = await withUpload(request, (path, opts) => {
          const thumb = parseThumbnailOptions(thumbnailOptionsOf(opts, url === '/analyze'), defaults);
          return url === '/thumbnail'
            ? clips.thumbnail(path, thumb, request.id)
            : clips.analyze(path, thumb, request.id);
        });
        recordPrediction(request, outcome);
        const thumb = outcome.thumbnail!;
        if (url === '/thumbnail' && wantsRawFile(request.headers.accept, thumb.format)) {
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
