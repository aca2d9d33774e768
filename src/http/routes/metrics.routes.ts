import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from '../../errors.js';
import { KNOWN_ENDPOINTS } from '../endpoints.js';
import type { JobMetrics } from '../job-metrics.js';
import { errorResponses, securedHeaders } from '../schemas.js';

export interface MetricsOptions {
  /** Worker-pool numbers, read at scrape time. */
  stats: () => Record<string, unknown>;
  /** The async job series (queue depth, jobs by state, job latency, webhooks). */
  jobMetrics?: JobMetrics;
}

/**
 * Prometheus metrics for operators (admin key): requests by endpoint and status,
 * latency histograms, the worker pool's queue and crash counters, process metrics.
 */
async function metricsPlugin(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'emothumb_' });
  const requests = new Counter({
    name: 'emothumb_http_requests_total',
    help: 'HTTP requests by endpoint and status',
    labelNames: ['method', 'endpoint', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'emothumb_http_request_duration_seconds',
    help: 'HTTP request latency by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
    registers: [registry],
  });
  const pool = new Gauge({
    name: 'emothumb_jobs',
    help: 'Clip job pool: workers, busy, queued, completed, failed, crashed',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      for (const [kind, value] of Object.entries(options.stats())) {
        if (typeof value === 'number') this.set({ kind }, value);
      }
    },
  });
  void pool;
  options.jobMetrics?.register(registry);

  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    // Unknown paths share one label so that scanners cannot blow up the series count.
    const endpoint = KNOWN_ENDPOINTS.has(path)
      ? path
      : path.startsWith('/jobs/')
        ? '/jobs/:id'
        : path.startsWith('/subjects/')
          ? '/subjects/:id'
          : 'other';
    requests.inc({ method: request.method, endpoint, status: String(reply.statusCode) });
    latency.observe({ endpoint }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (admin key)',
        headers: securedHeaders,
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      // A valid key that is not an admin's is known but not allowed here.
      if (request.caller?.role !== 'admin') throw new AppError('forbidden');
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}

/** Not encapsulated: its response hook must see every route. */
export const metricsRoutes = fp(metricsPlugin, { name: 'emothumb-metrics' });
