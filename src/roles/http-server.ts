// The public HTTP side of the API roles (ROLE=all, ROLE=api): the services over a job runner,
// the app, the expired-job purge, the drain on SIGTERM, then the runner's start (models or queue).
import type { Server } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { ClipJobRunner } from '../jobs/job-runner.js';
import { StartupGate } from '../jobs/startup-gate.js';
import type { ModelFileStatus } from '../model-files/pinned-models.js';
import { ClipService } from '../services/clip.service.js';
import type { JobDispatcher } from '../services/job-dispatch.js';
import { JobsService } from '../services/jobs.service.js';
import { ensureBootstrapAdmin } from '../store/index.js';
import { onShutdownSignals, type Core } from './setup.js';

/** What an API role runs its jobs on: the local pool, or the cluster's queue. */
export interface JobBackend {
  runner: ClipJobRunner;
  /** Where async jobs go; `gate` is the runner behind the start-up gate. */
  dispatcher(gate: StartupGate): JobDispatcher;
  /** Counters beside the runner's in /health's stats. */
  stats?(): Record<string, unknown>;
  /** Ready beyond the runner's own readiness (ROLE=all in cluster mode: its consumer runs). */
  isReady?(): boolean;
  /** Called once the app listens: loads the models or connects the queue; the models' files when loaded. */
  start(log: FastifyBaseLogger): Promise<ModelFileStatus[] | undefined>;
  /** Stops what `start` started beside the runner (before the runner closes). */
  close?(): Promise<void>;
}

/** Where a newcomer goes next: the demo page and the API reference, at the address they can open. */
function startBanner(address: ReturnType<Server['address']>, host: string): string {
  if (address === null || typeof address === 'string') return '';
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${shown}:${address.port}`;
  return `\n  Emotion thumbnails API on ${base}\n    demo page:  ${base}/demo\n    API docs:   ${base}/docs\n\n`;
}

/** Without API_KEY, the first start creates an admin key and prints it once (only its hash is stored). */
async function announceBootstrapKey(core: Core): Promise<void> {
  if (core.config.apiKey) return;
  const key = await ensureBootstrapAdmin(core.store);
  if (key) {
    process.stdout.write(
      `\n  No API_KEY configured: created an admin API key. It is shown only now:\n\n    ${key}\n\n  Manage keys with: npm run keys -- --help\n\n`,
    );
  }
}

/** The services and the app over `backend`; `models()` is what /health shows once they load. */
async function buildServer(
  core: Core,
  backend: JobBackend,
  models: () => ModelFileStatus[] | undefined,
): Promise<{ app: FastifyInstance; jobs: JobsService }> {
  const { config, store } = core;
  const runner = backend.runner;
  // Requests that arrive while the models load wait for them (bounded), rather than being refused.
  const gate = new StartupGate(runner, {
    waitMs: config.startupWaitSeconds * 1000,
    maxWaiting: config.queueSize + config.workers,
  });
  const clips = new ClipService(gate, config);
  const jobs = new JobsService(store.jobs, clips, backend.dispatcher(gate), {
    ttlHours: config.jobTtlHours,
    webhookSecret: config.webhookSecret,
    webhookAllowPrivate: config.webhookAllowPrivate,
  });
  const app = await buildApp({
    config,
    store,
    clips,
    jobs,
    jobMetrics: core.jobMetrics,
    subjects: core.subjects,
    tmpDir: core.tmpDir,
    stats: () => ({ ...runner.stats(), ...(backend.stats?.() ?? {}) }),
    isReady: () => runner.isReady() && (backend.isReady?.() ?? true),
    version: core.version,
    models,
  });
  return { app, jobs };
}

/** Drains on SIGTERM/SIGINT: in-flight requests (and their log entries), the backend, webhooks, store. */
function drainOnSignals(core: Core, app: FastifyInstance, backend: JobBackend, purge: NodeJS.Timeout): void {
  onShutdownSignals(async (signal) => {
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    clearInterval(purge);
    // close() stops accepting, waits for in-flight requests (and their log entries).
    await app.close();
    await backend.close?.();
    await backend.runner.close();
    await core.webhooks?.close();
    await core.store.close();
  });
}

/**
 * Serves the API over `backend`. `backendFor` receives the app's logger (for crash reports)
 * once the app exists. The runner refuses jobs with 503 not_ready until `start` has finished.
 */
export async function runHttpServer(
  core: Core,
  backendFor: (log: () => FastifyBaseLogger) => Promise<JobBackend>,
): Promise<void> {
  const { config } = core;
  await announceBootstrapKey(core);
  // The backend's crash reports go to the app's log: called only once the app exists.
  const backend = await backendFor(() => app.log);
  let models: ModelFileStatus[] | undefined;
  const { app, jobs } = await buildServer(core, backend, () => models);
  const purge = setInterval(
    () =>
      void jobs.purgeExpired().catch((err: unknown) => app.log.warn({ err }, 'purging expired jobs failed')),
    10 * 60_000,
  );
  purge.unref();
  drainOnSignals(core, app, backend, purge);

  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(startBanner(app.server.address(), config.host));
  try {
    await jobs.purgeExpired();
    models = await backend.start(app.log);
  } catch (err) {
    app.log.fatal({ err }, 'start-up failed');
    process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
}
