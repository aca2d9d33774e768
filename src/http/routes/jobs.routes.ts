import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import type { ThumbnailRequest } from '../../jobs/clip-job.types.js';
import { jobDocument, jobStatusUrl } from '../../services/job-document.js';
import { parseIdempotencyKey, type JobCaller, type JobsService } from '../../services/jobs.service.js';
import { parseSubjectId } from '../../services/subjects.service.js';
import type { JobRecord, JobTask } from '../../store/index.js';
import { checkPredictOptions, thumbnailOptionsOf } from '../request-options.js';
import {
  errorResponses,
  JobAccepted,
  JobDocumentSchema,
  jobHeaders,
  PredictJsonBody,
  securedHeaders,
  ThumbnailJsonBody,
  ThumbnailQuery,
  videoBodyContent,
} from '../schemas.js';
import { parseThumbnailOptions } from '../thumbnail-options.js';
import { receiveVideo } from '../video-upload.js';

export interface JobRoutesOptions {
  jobs: JobsService;
  tmpDir: string;
  maxUploadBytes: number;
}

/** Who is asking, as the jobs service scopes it: a client key's client, or the admins. */
export function jobCallerOf(request: FastifyRequest): JobCaller {
  const caller = request.caller!;
  const isAdmin = caller.role === 'admin';
  return {
    owner: isAdmin ? 'admin' : `client:${caller.boundClientId ?? caller.keyId}`,
    isAdmin,
    clientId: request.clientId,
    keyId: caller.keyId,
  };
}

const TASK_DEFAULTS: Record<Exclude<JobTask, 'predict'>, Partial<ThumbnailRequest>> = {
  thumbnail: {},
  analyze: { anchor: 'peak', crop: 'face' },
};

/** The async job endpoints: POST /jobs/{predict,thumbnail,analyze} (202) and GET /jobs/<id>. */
export async function jobRoutes(app: FastifyInstance, options: JobRoutesOptions): Promise<void> {
  const { jobs, tmpDir, maxUploadBytes } = options;
  const bodyLimit = Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024;

  // Everything that can be refused from the headers and query is, before the upload is read.
  const refuseEarly = async (): Promise<void> => {
    if (jobs.isFull()) throw new AppError('overloaded', undefined, { 'retry-after': '2' });
  };

  const accepted = (job: JobRecord) => ({
    job_id: job.id,
    status: job.status,
    status_url: jobStatusUrl(job.id),
  });

  for (const task of ['predict', 'thumbnail', 'analyze'] as const) {
    app.post(
      `/jobs/${task}`,
      {
        bodyLimit,
        // The schemas document the options; our own checks judge them, so that the same mistake gets
        // the same code and message by JSON, query string or form field (Fastify's would differ).
        attachValidation: true,
        onRequest: refuseEarly,
        schema: {
          operationId: `submit${task[0]!.toUpperCase()}${task.slice(1)}Job`,
          summary: `Queue a /${task} job; poll GET /jobs/<id> or receive a signed webhook`,
          description: `Takes exactly the bodies and options of POST /${task}, plus an optional callback_url (JSON field or query parameter) and an Idempotency-Key header (bound to the request it was first used with: the same key with another endpoint, other options or other bytes is 422 idempotency_key_reused). Answers 202 with the job id and a Location header.`,
          headers: jobHeaders,
          querystring: ThumbnailQuery,
          body: videoBodyContent(task === 'predict' ? PredictJsonBody : ThumbnailJsonBody),
          response: {
            200: JobDocumentSchema,
            202: JobAccepted,
            ...errorResponses(400, 401, 413, 415, 422, 429, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
        const query = (request.query ?? {}) as Record<string, unknown>;
        // A callback in the query is checked before the upload is read.
        let callbackUrl: string | null =
          query.callback_url !== undefined ? await jobs.checkCallbackUrl(query.callback_url) : null;
        const upload = await receiveVideo(request, tmpDir, maxUploadBytes);
        let thumbnail: ThumbnailRequest | undefined;
        let subjectId: string | null = null;
        try {
          const { callback_url: bodyCallback, ...opts } = upload.options;
          if (bodyCallback !== undefined && callbackUrl === null)
            callbackUrl = await jobs.checkCallbackUrl(bodyCallback);
          if (task === 'predict') checkPredictOptions(opts, upload.transport);
          else
            thumbnail = parseThumbnailOptions(
              thumbnailOptionsOf(opts, task === 'analyze', upload.transport),
              TASK_DEFAULTS[task],
            );
          subjectId = parseSubjectId(opts.subject_id);
        } catch (err) {
          await upload.dispose();
          throw err;
        }
        const { job, created } = await jobs.submit({
          task,
          inputPath: upload.path,
          release: upload.dispose,
          thumbnail,
          caller: jobCallerOf(request),
          requestId: request.id,
          idempotencyKey,
          callbackUrl,
          subjectId,
        });
        void reply.header('location', jobStatusUrl(job.id));
        if (!created) void reply.header('idempotent-replayed', 'true');
        if (!created && (job.status === 'succeeded' || job.status === 'failed'))
          return reply.code(200).send(jobDocument(job));
        return reply.code(202).send(accepted(job));
      },
    );
  }

  app.get(
    '/jobs/:id',
    {
      schema: {
        operationId: 'getJob',
        summary: "A job's state and, once it has ended, the sync endpoint's body or its error",
        headers: securedHeaders,
        params: Type.Object({ id: Type.String({ description: 'The job_id from the 202' }) }),
        response: { 200: JobDocumentSchema, ...errorResponses(400, 401, 404, 429, 500) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const job = await jobs.get(id, jobCallerOf(request));
      return jobDocument(job);
    },
  );
}
