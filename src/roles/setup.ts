// The start-up steps every role shares: the version, a clean spool directory, the store, the job
// metrics, the webhooks, the job lifecycle, signal handling and the emotion model's set-up.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/config.js';
import { clipResultBody } from '../http/tasks.js';
import { JobMetrics } from '../http/job-metrics.js';
import { prepareEmotionModel } from '../model-files/model-setup.js';
import { JobLifecycle } from '../services/job-lifecycle.js';
import { SubjectsService } from '../services/subjects.service.js';
import { openStore, type JobStatus, type Store } from '../store/index.js';
import {
  deliveryRecord,
  WebhookDeliverer,
  type WebhookDelivererOptions,
  type WebhookSender,
} from '../webhooks/deliverer.js';

/** What every role starts from. */
export interface Core {
  config: Readonly<Config>;
  version: string;
  /** DATA_DIR/tmp, emptied at start-up. */
  tmpDir: string;
  store: Store;
  jobMetrics: JobMetrics;
  webhooks: WebhookSender | undefined;
  /** One service answers for subjects: sync answers (HTTP) and finished jobs (the lifecycle). */
  subjects: SubjectsService;
  lifecycle: JobLifecycle;
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** DATA_DIR/tmp, emptied: leftovers of a killed process are useless (uploads are spooled per request). */
async function freshTmpDir(config: Readonly<Config>): Promise<string> {
  const tmpDir = join(config.dataDir, 'tmp');
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  return tmpDir;
}

/** Jobs by status for /metrics, read from the store at most every few seconds. */
function cachedJobCounts(store: Store): () => Promise<Record<JobStatus, number>> {
  let last: { at: number; value: Promise<Record<JobStatus, number>> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 5000) last = { at: Date.now(), value: store.jobs.countByStatus() };
    return last.value;
  };
}

function webhookOptions(
  config: Readonly<Config>,
  store: Store,
  metrics: JobMetrics,
  log: Logger,
): WebhookDelivererOptions {
  return {
    secret: config.webhookSecret!,
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
      return store.jobs.recordDelivery(deliveryRecord(a));
    },
    onDone: (outcome) => metrics.webhook(outcome),
  };
}

async function makeWebhooks(
  config: Readonly<Config>,
  store: Store,
  metrics: JobMetrics,
  log: Logger,
): Promise<WebhookSender | undefined> {
  if (!config.webhookSecret) return undefined;
  const options = webhookOptions(config, store, metrics, log);
  // Only the processes that finish jobs send webhooks: an API node never does in cluster mode.
  if (config.redisUrl && config.role !== 'api') {
    // BullMQ and ioredis are loaded only in cluster mode (about 20 MB less resident without them).
    const { QueuedWebhookDeliverer } = await import('../webhooks/queued-deliverer.js');
    return new QueuedWebhookDeliverer(config.redisUrl, options);
  }
  if (config.redisUrl) return undefined;
  return new WebhookDeliverer(options);
}

/**
 * The shared start: version, spool directory, store, metrics (`queueDepth`: the cluster
 * queue's, for an API node), webhooks and the job lifecycle.
 */
export async function openCore(
  config: Readonly<Config>,
  queueDepth?: () => Record<string, number>,
): Promise<Core> {
  const version = await packageVersion();
  const tmpDir = await freshTmpDir(config);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const jobMetrics = new JobMetrics({ jobCounts: cachedJobCounts(store), queueDepth });
  const webhooks = await makeWebhooks(config, store, jobMetrics, pino({ level: config.logLevel }));
  const subjects = new SubjectsService(store.subjects);
  const lifecycle = new JobLifecycle(
    store.jobs,
    clipResultBody,
    webhooks,
    (job) => jobMetrics.observeEnd(job),
    subjects,
  );
  return { config, version, tmpDir, store, jobMetrics, webhooks, subjects, lifecycle };
}

/**
 * SIGTERM and SIGINT run `drain` once, then the process exits. `on`, not `once`: a repeated
 * signal must find the handler (and be ignored), not kill the drain.
 */
export function onShutdownSignals(drain: (signal: string) => Promise<void>): void {
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    try {
      await drain(signal);
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The emotion model as configured (a configured checkpoint is downloaded and verified now). */
export function loadEmotionModel(
  config: Readonly<Config>,
  log: { info(message: string): void },
): ReturnType<typeof prepareEmotionModel> {
  return prepareEmotionModel(config, (message) => log.info(message));
}
