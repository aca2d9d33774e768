import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobRecord, JobStatus } from '../store/index.js';

export interface JobMetricsSources {
  /** Unexpired jobs by status (the store; cached between scrapes by the caller if costly). */
  jobCounts?: () => Promise<Record<JobStatus, number>>;
  /** Jobs waiting and running in the queue (cluster mode). */
  queueDepth?: () => Record<string, number>;
}

/**
 * The job API's Prometheus series: queue depth, jobs by state, job latency (created ->
 * finished, by task and outcome) and webhook outcomes. Observed where jobs end (an API
 * node in the single-process default, a worker in cluster mode): each process exposes its own.
 */
export class JobMetrics {
  private readonly latency = new Histogram({
    name: 'emothumb_job_duration_seconds',
    help: 'Job latency from acceptance to its end, by task and status (async jobs where they end; with REDIS_URL also sync jobs, on the API node that waited)',
    labelNames: ['task', 'status'] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [],
  });
  private readonly webhooks = new Counter({
    name: 'emothumb_webhook_deliveries_total',
    help: 'Webhook deliveries by outcome: delivered, or gave_up after the retry window',
    labelNames: ['outcome'] as const,
    registers: [],
  });

  constructor(private readonly sources: JobMetricsSources = {}) {}

  observeEnd(job: JobRecord): void {
    if (!job.finished_at) return;
    const seconds = (Date.parse(job.finished_at) - Date.parse(job.created_at)) / 1000;
    this.observe(job.task, job.status, seconds);
  }

  /** A job's latency: an async job where it ends, a sync job on the API node that waited for it. */
  observe(task: string, status: string, seconds: number): void {
    this.latency.observe({ task, status }, Math.max(0, seconds));
  }

  webhook(outcome: 'delivered' | 'gave_up'): void {
    this.webhooks.inc({ outcome });
  }

  register(registry: Registry): void {
    registry.registerMetric(this.latency);
    registry.registerMetric(this.webhooks);
    const { jobCounts, queueDepth } = this.sources;
    if (jobCounts) {
      registry.registerMetric(
        new Gauge({
          name: 'emothumb_jobs_by_status',
          help: 'Async jobs kept (within JOB_TTL_HOURS) by status',
          labelNames: ['status'] as const,
          registers: [],
          async collect() {
            const counts = await jobCounts().catch(() => undefined);
            for (const [status, n] of Object.entries(counts ?? {})) this.set({ status }, n);
          },
        }),
      );
    }
    if (queueDepth) {
      registry.registerMetric(
        new Gauge({
          name: 'emothumb_queue_depth',
          help: 'Jobs in the BullMQ queue: sync and async waiting, active, and connected workers',
          labelNames: ['state'] as const,
          registers: [],
          collect() {
            for (const [state, n] of Object.entries(queueDepth())) this.set({ state }, n);
          },
        }),
      );
    }
  }
}
