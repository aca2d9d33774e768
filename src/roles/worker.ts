// ROLE=worker: no public HTTP listener; takes clip jobs from the cluster's queue, runs them
// on this machine's pool of worker processes, records async jobs in PostgreSQL and sends
// their webhooks. /health, /ready and /metrics are served on HEALTH_PORT when it is set.
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/config.js';
import { healthRoutes } from '../http/routes/health.routes.js';
import type { ModelFileStatus } from '../model-files/pinned-models.js';
import { startQueueConsumer, type RunningConsumer } from '../workers/queue-consumer.js';
import { loadEmotionModel, onShutdownSignals, openCore, type Core } from './setup.js';

async function healthServer(
  deps: Core,
  running: () => (RunningConsumer & { models?: ModelFileStatus[] }) | undefined,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const stats = (): Record<string, unknown> => {
    const r = running();
    return r ? { ...r.pool.stats(), ...r.consumer.stats() } : {};
  };
  await app.register(healthRoutes, {
    stats,
    isReady: () => running() !== undefined,
    version: deps.version,
    models: () => running()?.models,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'emothumb_' });
  deps.jobMetrics.register(registry);
  registry.registerMetric(
    new Gauge({
      name: 'emothumb_worker_jobs',
      help: "This worker's jobs: active, completed, failed, lost (workers died under them), and its pool",
      labelNames: ['kind'] as const,
      registers: [],
      collect() {
        for (const [kind, value] of Object.entries(stats()))
          if (typeof value === 'number') this.set({ kind }, value);
      },
    }),
  );
  // An internal port for orchestrators and Prometheus: no API key here.
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return app;
}

export async function runWorkerRole(config: Readonly<Config>): Promise<void> {
  const deps = await openCore(config);
  const log = pino({ level: config.logLevel });
  let running: (RunningConsumer & { models?: ModelFileStatus[] }) | undefined = undefined;
  const health = config.healthPort !== undefined ? await healthServer(deps, () => running) : undefined;

  onShutdownSignals(async (signal) => {
    log.info({ signal }, 'shutting down: finishing the jobs in hand');
    // BullMQ's close waits for the running jobs; new ones stay in Redis for other workers.
    await running?.close();
    await deps.webhooks?.close();
    await health?.close();
    await deps.store.close();
    log.info('worker stopped');
  });

  if (health) {
    const address = await health.listen({ port: config.healthPort!, host: config.host });
    log.info(`Health listening at ${address}`);
  }
  const model = await loadEmotionModel(config, log);
  running = Object.assign(await startQueueConsumer(config, model.engine, deps.lifecycle, log), {
    models: model.models,
  });
  log.info({ model: model.description, workers: config.workers }, 'worker ready: taking jobs from the queue');
}
