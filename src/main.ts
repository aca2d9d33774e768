import './polyfills.js';
import { mkdir, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, type Config } from './config/config.js';
import { loadConfig } from './config/load-config.js';
import { clipResultBody } from './http/clip-bodies.js';
import { JobMetrics } from './http/job-metrics.js';
import { ProcessPoolRunner } from './jobs/process-pool-runner.js';
import { StartupGate } from './jobs/startup-gate.js';
import { prepareEmotionModel } from './model-files/model-setup.js';
import type { ModelFileStatus } from './model-files/pinned-models.js';
import { ClipService } from './services/clip.service.js';
import { LocalJobDispatcher, QueueJobDispatcher } from './services/job-dispatch.js';
import { JobLifecycle } from './services/job-lifecycle.js';
import { SubjectsService } from './services/subjects.service.js';
import { JobsService } from './services/jobs.service.js';
import { ensureBootstrapAdmin, openStore, type JobStatus, type Store } from './store/index.js';
import { WebhookDeliverer, type WebhookDelivererOptions, type WebhookSender } from './webhooks/deliverer.js';
import type { RunningConsumer } from './workers/queue-consumer.js';

// The cluster's modules (BullMQ, ioredis and what uses them) are imported only when REDIS_URL
// is set: the embedded default does not carry them (about 20 MB less resident in the server).
const clusterModules = {
  queueRunner: () => import('./jobs/bullmq-runner.js'),
  queuedWebhooks: () => import('./webhooks/queued-deliverer.js'),
  queueConsumer: () => import('./workers/queue-consumer.js'),
  workerRole: () => import('./workers/worker-role.js'),
};

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Jobs by status for /metrics, read from the store at most every few seconds. */
function cachedJobCounts(store: Store): () => Promise<Record<JobStatus, number>> {
  let last: { at: number; value: Promise<Record<JobStatus, number>> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 5000) last = { at: Date.now(), value: store.jobs.countByStatus() };
    return last.value;
  };
}

async function makeWebhooks(
  config: Readonly<Config>,
  store: Store,
  metrics: JobMetrics,
  log: Logger,
): Promise<WebhookSender | undefined> {
  if (!config.webhookSecret) return undefined;
  const options: WebhookDelivererOptions = {
    secret: config.webhookSecret,
    allowPrivate: config.webhookAllowPrivate,
    retrySeconds: config.webhookRetrySeconds,
    onAttempt: (a) => {
      // Operators see a receiver's trouble in the service log, not only in a table.
      if (!a.ok) {
        log.warn(
          { job_id: a.jobId, attempt: a.attempt, status_code: a.statusCode, error: a.error },
          'webhook delivery failed',
        );
      }
      return store.jobs.recordDelivery({
        job_id: a.jobId,
        attempt: a.attempt,
        url: a.url,
        status_code: a.statusCode,
        ok: a.ok,
        error: a.error,
        delivered_at: a.at.toISOString(),
      });
    },
    onDone: (outcome) => metrics.webhook(outcome),
  };
  // Only the processes that finish jobs send webhooks: an API node never does in cluster mode.
  if (config.redisUrl && config.role !== 'api') {
    const { QueuedWebhookDeliverer } = await clusterModules.queuedWebhooks();
    return new QueuedWebhookDeliverer(config.redisUrl, options);
  }
  if (config.redisUrl) return undefined;
  return new WebhookDeliverer(options);
}

/** Where a newcomer goes next: the demo page and the API reference, at the address they can open. */
function startBanner(address: ReturnType<Server['address']>, host: string): string {
  if (address === null || typeof address === 'string') return '';
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${shown}:${address.port}`;
  return `\n  Emotion thumbnails API on ${base}\n    demo page:  ${base}/demo\n    API docs:   ${base}/docs\n\n`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const version = await packageVersion();
  const tmpDir = join(config.dataDir, 'tmp');
  // Leftovers of a killed process are useless: uploads are spooled per request.
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });

  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const cluster = config.redisUrl !== undefined;
  const queue =
    cluster && config.role !== 'worker'
      ? new (await clusterModules.queueRunner()).QueueRunner({
          redisUrl: config.redisUrl!,
          queueSize: config.queueSize,
          jobQueueSize: config.jobQueueSize,
          jobTimeoutMs: config.jobTimeoutSeconds * 1000,
          jobAttempts: config.jobAttempts,
          stalledMs: config.jobStalledSeconds * 1000,
          asyncUploadTtlMs: config.jobTtlHours * 3600_000,
          onSyncEnd: (task, status, seconds) => jobMetrics.observe(task, status, seconds),
        })
      : undefined;
  const jobMetrics = new JobMetrics({
    jobCounts: cachedJobCounts(store),
    queueDepth: queue ? () => ({ ...queue.queueDepth() }) : undefined,
  });
  const webhooks = await makeWebhooks(config, store, jobMetrics, pino({ level: config.logLevel }));
  // One service answers for subjects: sync answers (HTTP) and finished jobs (the lifecycle).
  const subjects = new SubjectsService(store.subjects);
  const lifecycle = new JobLifecycle(
    store.jobs,
    clipResultBody,
    webhooks,
    (job) => jobMetrics.observeEnd(job),
    subjects,
  );

  if (config.role === 'worker') {
    const { runWorkerRole } = await clusterModules.workerRole();
    await runWorkerRole({ config, store, lifecycle, webhooks, jobMetrics, version });
    return;
  }

  if (!config.apiKey) {
    const key = await ensureBootstrapAdmin(store);
    if (key) {
      // Printed once, on the first start; only its hash is stored.
      process.stdout.write(
        `\n  No API_KEY configured: created an admin API key. It is shown only now:\n\n    ${key}\n\n  Manage keys with: npm run keys -- --help\n\n`,
      );
    }
  }

  // The runner refuses jobs with 503 not_ready until the model is resolved and its workers are warm
  // (or, in cluster mode, until the queue is connected).
  const pool = queue
    ? undefined
    : new ProcessPoolRunner({
        workers: config.workers,
        clipsPerProcess: config.clipsPerProcess,
        queueSize: config.queueSize,
        jobTimeoutMs: config.jobTimeoutSeconds * 1000,
        decoderThreads: config.decoderThreads,
        onCrash: ({ requestId, stage, cause }) =>
          app.log.error({ reqId: requestId, stage, cause }, `worker crashed (${cause}) in stage ${stage}`),
      });
  const runner = queue ?? pool!;
  // Requests that arrive while the models load wait for them (bounded), rather than being refused.
  const gate = new StartupGate(runner, {
    waitMs: config.startupWaitSeconds * 1000,
    maxWaiting: config.queueSize + config.workers,
  });
  const clips = new ClipService(gate, config);
  const dispatcher = queue ? new QueueJobDispatcher(queue) : new LocalJobDispatcher(gate, lifecycle);
  if (!cluster) {
    // In one process, a job left queued or running by the previous run has nobody to finish it.
    await store.jobs.failUnfinished(
      { error: 'The server restarted before the job finished; resubmit it.', code: 'worker_lost' },
      new Date(),
    );
  }
  const jobs = new JobsService(store.jobs, clips, dispatcher, {
    ttlHours: config.jobTtlHours,
    webhookSecret: config.webhookSecret,
    webhookAllowPrivate: config.webhookAllowPrivate,
  });
  let consumer: RunningConsumer | undefined;
  let models: ModelFileStatus[] | undefined;
  const app = await buildApp({
    config,
    store,
    clips,
    jobs,
    jobMetrics,
    subjects,
    tmpDir,
    stats: () => ({ ...runner.stats(), ...(consumer ? consumer.consumer.stats() : {}) }),
    isReady: () => runner.isReady() && (config.role !== 'all' || !cluster || consumer !== undefined),
    version,
    models: () => models,
  });
  const purge = setInterval(
    () =>
      void jobs.purgeExpired().catch((err: unknown) => app.log.warn({ err }, 'purging expired jobs failed')),
    10 * 60_000,
  );
  purge.unref();

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      clearInterval(purge);
      // close() stops accepting, waits for in-flight requests (and their log entries).
      await app.close();
      await consumer?.close();
      await runner.close();
      await webhooks?.close();
      await store.close();
    } finally {
      process.exit(0);
    }
  };
  // on, not once: a repeated signal must find the handler (and be ignored), not kill the drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(startBanner(app.server.address(), config.host));
  try {
    await jobs.purgeExpired();
    if (queue) {
      await queue.start();
      if (config.role === 'all') {
        const model = await prepareEmotionModel(config, (message) => app.log.info(message));
        models = model.models;
        const { startQueueConsumer } = await clusterModules.queueConsumer();
        consumer = await startQueueConsumer(config, model.engine, lifecycle, app.log);
      }
      app.log.info({ role: config.role }, 'queue connected: ready');
    } else {
      // A configured checkpoint is downloaded and verified now; /health answers meanwhile.
      const model = await prepareEmotionModel(config, (message) => app.log.info(message));
      models = model.models;
      await pool!.start(model.engine);
      app.log.info({ model: model.description }, 'models loaded and workers warm: ready');
    }
  } catch (err) {
    app.log.fatal({ err }, 'start-up failed');
    process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
