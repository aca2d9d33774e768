// An API node of the cluster (REDIS_URL set): ROLE=api queues every job in Redis for the
// ROLE=worker processes; ROLE=all also consumes the queue on a pool of its own.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import type { JobMetrics } from '../http/job-metrics.js';
import { QueueRunner } from '../jobs/bullmq-runner.js';
import type { ModelFileStatus } from '../model-files/pinned-models.js';
import { QueueJobDispatcher } from '../services/job-dispatch.js';
import type { JobLifecycle } from '../services/job-lifecycle.js';
import { LostJobSweeper } from '../services/lost-jobs.js';
import type { JobRepository } from '../store/index.js';
import type { RunningConsumer } from '../workers/queue-consumer.js';
import { runHttpServer } from './http-server.js';
import { loadEmotionModel, openCore } from './setup.js';

export async function runClusterApi(config: Readonly<Config>): Promise<void> {
  // The queue reports sync jobs to the metrics, which read the queue's depth.
  const sink: { metrics?: JobMetrics } = {};
  const queue = new QueueRunner({
    redisUrl: config.redisUrl!,
    queueSize: config.queueSize,
    jobQueueSize: config.jobQueueSize,
    jobTimeoutMs: config.jobTimeoutSeconds * 1000,
    jobAttempts: config.jobAttempts,
    stalledMs: config.jobStalledSeconds * 1000,
    asyncUploadTtlMs: config.jobTtlHours * 3600_000,
    onSyncEnd: (task, status, seconds) => sink.metrics?.observe(task, status, seconds),
  });
  const core = await openCore(config, () => ({ ...queue.queueDepth() }));
  sink.metrics = core.jobMetrics;
  const { lifecycle } = core;
  let consumer: RunningConsumer | undefined;
  let stopLostJobChecks = (): void => undefined;
  await runHttpServer(core, async () => ({
    runner: queue,
    dispatcher: () => new QueueJobDispatcher(queue),
    stats: () => (consumer ? consumer.consumer.stats() : {}),
    isReady: () => config.role !== 'all' || consumer !== undefined,
    async start(log) {
      await queue.start();
      stopLostJobChecks = startLostJobChecks(config, core.store.jobs, queue, lifecycle, log);
      let models: ModelFileStatus[] | undefined;
      if (config.role === 'all') {
        const model = await loadEmotionModel(config, log);
        models = model.models;
        // The consumer (and its local pool) is loaded only where it runs: not on a ROLE=api node.
        const { startQueueConsumer } = await import('../workers/queue-consumer.js');
        consumer = await startQueueConsumer(config, model.engine, lifecycle, log);
      }
      log.info({ role: config.role }, 'queue connected: ready');
      return models;
    },
    close: async () => {
      stopLostJobChecks();
      await consumer?.close();
    },
  }));
}

/**
 * Every JOB_LOST_CHECK_SECONDS, the unfinished jobs older than one period are looked up in
 * the queue (see `LostJobSweeper`); one check at a time. Returns the stop.
 */
function startLostJobChecks(
  config: Readonly<Config>,
  jobs: JobRepository,
  queue: QueueRunner,
  lifecycle: JobLifecycle,
  log: FastifyBaseLogger,
): () => void {
  const periodMs = config.jobLostCheckSeconds * 1000;
  if (periodMs <= 0) return () => undefined;
  const sweeper = new LostJobSweeper(jobs, queue, (id, error) => lifecycle.failed(id, error), {
    graceMs: periodMs,
    batch: 1000,
  });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweeper
      .sweep()
      .then((lost) => {
        if (lost.length > 0)
          log.warn({ jobs: lost }, `${lost.length} job(s) lost by the queue: failed as worker_lost`);
      })
      .catch((err: unknown) => log.warn({ err }, 'checking unfinished jobs against the queue failed'))
      .finally(() => (running = false));
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
