import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config/config.js';
import { AppError } from './errors.js';
import { createAuthHook } from './http/auth.hook.js';
import { KNOWN_ENDPOINTS } from './http/endpoints.js';
import { replyWithError } from './http/error-reply.js';
import {
  createClientErrorHandler,
  createKeyRedactor,
  createRequestLogHook,
} from './http/request-log.hook.js';
import type { LogExtras } from './http/request-context.js';
import { clipRoutes } from './http/routes/clip.routes.js';
import { demoRoutes } from './http/routes/demo.routes.js';
import { healthRoutes } from './http/routes/health.routes.js';
import type { ModelFileStatus } from './model-files/pinned-models.js';
import { logsRoutes } from './http/routes/logs.routes.js';
import { metricsRoutes } from './http/routes/metrics.routes.js';
import type { ClipService } from './services/clip.service.js';
import type { JobsService } from './services/jobs.service.js';
import { jobRoutes } from './http/routes/jobs.routes.js';
import { documentRoute } from './http/tasks.js';
import { subjectRoutes } from './http/routes/subjects.routes.js';
import { SubjectsService } from './services/subjects.service.js';
import type { JobMetrics } from './http/job-metrics.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  config: Readonly<Config>;
  store: Store;
  clips: ClipService;
  /** The async job API (POST /jobs/*, GET /jobs/<id>). */
  jobs: JobsService;
  jobMetrics?: JobMetrics;
  /** Learning each subject from corrections (default: over the store). */
  subjects?: SubjectsService;
  tmpDir: string;
  stats: () => Record<string, unknown>;
  isReady: () => boolean;
  version: string;
  /** The pinned model files for /health, once the model is prepared. */
  models?: () => ModelFileStatus[] | undefined;
  logger?: boolean | object;
}

const PUBLIC_PREFIXES = ['/docs'];

/** The Fastify instance with its logger and server limits (nothing registered yet). */
function createServer(deps: AppDeps, redactKeys: (text: string) => string): FastifyInstance {
  const { config, store } = deps;
  return Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: ['req.headers["x-api-key"]', 'req.headers.authorization'],
      // The access log prints the URL: a key a client put in its path or query must not reach it.
      serializers: {
        req: (req: {
          method: string;
          url: string;
          host?: string;
          ip?: string;
          socket?: { remotePort?: number };
        }) => ({
          method: req.method,
          url: redactKeys(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    logController: new LogController({ disableRequestLogging: !config.accessLog }),
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // A subject id of 200 characters may be longer than that percent-encoded in /subjects/<id>.
    routerOptions: { maxParamLength: 600 },
    clientErrorHandler: createClientErrorHandler(store.logs),
    // Headers beyond this are refused by Node with 431 before we see them.
    http: { maxHeaderSize: 16 * 1024 },
    return503OnClosing: true,
  });
}

/** Every request's context (log extras, x-request-id) and the public paths. */
function addRequestContext(app: FastifyInstance): void {
  // The seed's GET /logs takes its filters as a JSON body.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  app.decorateRequest('clientId', null);
  app.decorateRequest('logExtras', null as unknown as LogExtras);
  app.addHook('onRequest', async (request, reply) => {
    request.logExtras = {};
    void reply.header('x-request-id', request.id);
    if (PUBLIC_PREFIXES.some((p) => request.url.startsWith(p))) request.routeOptions.config.public = true;
  });
}

/** JSON with our own errors for empty and bad bodies; raw uploads left unread for the handlers. */
function addBodyParsers(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // An empty body on GET (a seed client sending no filters) means "no filters".
    if (text.trim() === '' && request.method === 'GET') return done(null, undefined);
    if (text.trim() === '')
      return done(new AppError('bad_json', 'The request body is empty; send a JSON object.'), undefined);
    void defaultJson(request, text, (err, value) => {
      if (err) return done(new AppError('bad_json', 'The request body is not valid JSON.'), undefined);
      done(null, value);
    });
  });
  // Raw uploads (clips, and photos for /predict and /analyze) are left unread here and
  // streamed to disk by the handler; the bytes are probed, the type is only a hint.
  const leaveBodyUnread = (_request: unknown, _payload: unknown, done: (err: Error | null) => void): void =>
    done(null);
  app.addContentTypeParser('application/octet-stream', leaveBodyUnread);
  app.addContentTypeParser(/^video\/[\w.+-]+$/, leaveBodyUnread);
  app.addContentTypeParser(/^image\/[\w.+-]+$/, leaveBodyUnread);
}

/** The OpenAPI document (/openapi.json) and its UI (/docs). */
async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Emotion-aware video thumbnails API',
        version,
        description:
          'Predicts the emotion of a selfie clip and makes a looping boomerang cover. Compatible with the v1 API.',
      },
      // Relative: the document describes whichever host serves it.
      servers: [{ url: '/', description: 'This server' }],
      components: { securitySchemes: { apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
      security: [{ apiKey: [] }],
    },
    // The video endpoints' other media types and typed options, for the document only.
    transform: ({ schema, url }) => documentRoute({ schema, url }) as { schema: never; url: string },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

/** Authentication, the rate limit and the request log. */
async function addGuards(app: FastifyInstance, config: Readonly<Config>, store: Store): Promise<void> {
  app.addHook(
    'onRequest',
    createAuthHook({
      keys: store.keys,
      envAdminKey: config.apiKey,
      maxClockSkewSeconds: config.maxClockSkewSeconds,
    }),
  );
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.caller?.keyId ?? request.ip,
      allowList: (request) => request.caller === undefined,
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', `Too many requests: at most ${context.max} per minute per key.`, {
          'retry-after': String(Math.ceil(context.ttl / 1000)),
        }),
    });
  }
}

/** Errors as JSON; a wrong method on a known path is 405, an unknown path 404. */
function addErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((err, request, reply) => replyWithError(err, request, reply));
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    const err = KNOWN_ENDPOINTS.has(path ?? '')
      ? new AppError('method_not_allowed', `${request.method} is not allowed on ${path}.`)
      : new AppError('not_found', `No endpoint ${request.method} ${path?.slice(0, 100)}.`);
    await replyWithError(err as FastifyError, request, reply);
  });
}

async function registerRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { config, store } = deps;
  await app.register(healthRoutes, {
    stats: deps.stats,
    isReady: deps.isReady,
    version: deps.version,
    models: deps.models,
  });
  const subjects = deps.subjects ?? new SubjectsService(store.subjects);
  await app.register(clipRoutes, {
    clips: deps.clips,
    subjects,
    tmpDir: deps.tmpDir,
    maxUploadBytes: config.maxUploadBytes,
  });
  await app.register(jobRoutes, {
    jobs: deps.jobs,
    tmpDir: deps.tmpDir,
    maxUploadBytes: config.maxUploadBytes,
  });
  await app.register(subjectRoutes, { subjects });
  await app.register(logsRoutes, { logs: store.logs });
  await app.register(metricsRoutes, { stats: deps.stats, jobMetrics: deps.jobMetrics });
  await app.register(demoRoutes);
}

/** Builds the Fastify instance (no listen), so tests can inject requests. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const redactKeys = createKeyRedactor(config.apiKey);
  const app = createServer(deps, redactKeys);
  addRequestContext(app);
  addBodyParsers(app);
  await app.register(helmet, { contentSecurityPolicy: false, global: true });
  await app.register(multipart, { limits: { fileSize: config.maxUploadBytes, files: 1 } });
  await registerDocs(app, deps.version);
  await addGuards(app, config, store);
  app.addHook('onSend', createRequestLogHook(store.logs, redactKeys));
  addErrorReplies(app);
  await registerRoutes(app, deps);
  return app;
}
