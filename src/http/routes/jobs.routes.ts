import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import { jobDocument, jobStatusUrl } from '../../services/job-document.js';
import { parseIdempotencyKey, type JobCaller, type JobsService } from '../../services/jobs.service.js';
import type { JobRecord } from '../../store/index.js';
import {
  errorResponses,
  JobAccepted,
  JobDocumentSchema,
  jobHeaders,
  securedHeaders,
  ThumbnailQuery,
  videoBodyContent,
} from '../schemas.js';
import { HTTP_TASK_LIST, readTaskRequest, thumbnailOf, videoRouteOptions, type HttpTask } from '../tasks.js';
import { receiveVideo, type VideoUpload } from '../video-upload.js';

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

/** A task's async endpoint in the OpenAPI document (from the task table). */
function jobRouteSchema(task: HttpTask) {
  const name = task.name;
  return {
    operationId: `submit${name[0]!.toUpperCase()}${name.slice(1)}Job`,
    summary: `Queue a /${name} job; poll GET /jobs/<id> or receive a signed webhook`,
    description: `Takes exactly the bodies and options of POST /${name}, plus an optional callback_url (JSON field or query parameter) and an Idempotency-Key header (bound to the request it was first used with: the same key with another endpoint, other options or other bytes is 422 idempotency_key_reused). Answers 202 with the job id and a Location header.`,
    headers: jobHeaders,
    querystring: ThumbnailQuery,
    body: videoBodyContent(task.jsonBody),
    response: {
      200: JobDocumentSchema,
      202: JobAccepted,
      ...errorResponses(400, 401, 413, 415, 422, 429, 500, 503),
    },
  };
}

/** The async job endpoints: POST /jobs/{predict,thumbnail,analyze} (202) and GET /jobs/<id>. */
export async function jobRoutes(app: FastifyInstance, options: JobRoutesOptions): Promise<void> {
  const { jobs, tmpDir, maxUploadBytes } = options;

  // Everything that can be refused from the headers and query is, before the upload is read.
  const refuseEarly = async (): Promise<void> => {
    if (jobs.isFull()) throw new AppError('overloaded', undefined, { 'retry-after': '2' });
  };

  const accepted = (job: JobRecord) => ({
    job_id: job.id,
    status: job.status,
    status_url: jobStatusUrl(job.id),
  });

  /** The task's options and a callback_url from the body (unless the query gave one); the upload is dropped on refusal. */
  async function readJobRequest(task: HttpTask, upload: VideoUpload, queryCallback: string | null) {
    try {
      const { callback_url: bodyCallback, ...opts } = upload.options;
      const callbackUrl =
        bodyCallback !== undefined && queryCallback === null
          ? await jobs.checkCallbackUrl(bodyCallback)
          : queryCallback;
      const asked = readTaskRequest(task, opts, upload.transport);
      return { callbackUrl, asked };
    } catch (err) {
      await upload.dispose();
      throw err;
    }
  }

  for (const task of HTTP_TASK_LIST) {
    const routeOptions = videoRouteOptions(maxUploadBytes, refuseEarly, jobRouteSchema(task));
    app.post(`/jobs/${task.name}`, routeOptions, async (request, reply) => {
      const idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
      const query = (request.query ?? {}) as Record<string, unknown>;
      // A callback in the query is checked before the upload is read.
      const queryCallback: string | null =
        query.callback_url !== undefined ? await jobs.checkCallbackUrl(query.callback_url) : null;
      const upload = await receiveVideo(request, tmpDir, maxUploadBytes);
      const { callbackUrl, asked } = await readJobRequest(task, upload, queryCallback);
      const { job, created } = await jobs.submit({
        task: task.name,
        inputPath: upload.path,
        release: upload.dispose,
        thumbnail: thumbnailOf(task, asked),
        caller: jobCallerOf(request),
        requestId: request.id,
        idempotencyKey,
        callbackUrl,
        subjectId: asked.subjectId,
      });
      void reply.header('location', jobStatusUrl(job.id));
      if (!created) void reply.header('idempotent-replayed', 'true');
      if (!created && (job.status === 'succeeded' || job.status === 'failed'))
        return reply.code(200).send(jobDocument(job));
      return reply.code(202).send(accepted(job));
    });
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
