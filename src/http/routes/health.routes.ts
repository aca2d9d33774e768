import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { ModelFileStatus } from '../../model-files/pinned-models.js';

export interface HealthOptions {
  /** Worker pool numbers for operators. */
  stats: () => Record<string, unknown>;
  /** Resolves true once models are loaded and the service can answer. */
  isReady: () => boolean;
  version: string;
  /** The pinned model files, once resolved (loaded or missing, and why); absent on a node that runs no model. */
  models?: () => ModelFileStatus[] | undefined;
}

/** /health's `models`: each pinned model file loaded (its file) or missing (why). */
function modelsField(models: ModelFileStatus[] | undefined): { models?: Record<string, unknown>[] } {
  if (!models) return {};
  return {
    models: models.map((m) => ({
      name: m.name,
      status: m.status,
      role: m.role,
      ...(m.path ? { file: m.path } : {}),
      ...(m.reason ? { reason: m.reason } : {}),
    })),
  };
}

/** Liveness and readiness: public, cheap, and answered while videos are being processed. */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const started = Date.now();
  app.get(
    '/health',
    { config: { public: true }, schema: { operationId: 'health', summary: 'Liveness' } },
    async () => ({
      status: 'ok',
      version: options.version,
      uptime_s: Math.round((Date.now() - started) / 1000),
      jobs: options.stats(),
      ...modelsField(options.models?.()),
    }),
  );
  app.get(
    '/ready',
    { config: { public: true }, schema: { operationId: 'ready', summary: 'Readiness (models loaded)' } },
    async () => {
      if (!options.isReady())
        throw new AppError('not_ready', 'The service is starting (loading models); retry shortly.', {
          'retry-after': '2',
        });
      return { status: 'ready' };
    },
  );
}
