import './polyfills.js';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/load-config.js';
import { ProcessPoolRunner } from './jobs/process-pool-runner.js';
import { prepareEmotionModel } from './model-files/model-setup.js';
import { ClipService } from './services/clip.service.js';
import { ensureBootstrapAdmin, openStore } from './store/index.js';

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const tmpDir = join(config.dataDir, 'tmp');
  // Leftovers of a killed process are useless: uploads are spooled per request.
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });

  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  if (!config.apiKey) {
    const key = await ensureBootstrapAdmin(store);
    if (key) {
      // Printed once, on the first start; only its hash is stored.
      process.stdout.write(
        `\n  No API_KEY configured: created an admin API key. It is shown only now:\n\n    ${key}\n\n  Manage keys with: npm run keys -- --help\n\n`,
      );
    }
  }

  // The runner refuses jobs with 503 not_ready until the model is resolved and its workers are warm.
  const runner = new ProcessPoolRunner({
    workers: config.workers,
    clipsPerProcess: config.clipsPerProcess,
    queueSize: config.queueSize,
    jobTimeoutMs: config.jobTimeoutSeconds * 1000,
    decoderThreads: config.decoderThreads,
    onCrash: ({ requestId, stage, cause }) =>
      app.log.error({ reqId: requestId, stage, cause }, `worker crashed (${cause}) in stage ${stage}`),
  });
  const clips = new ClipService(runner, config);
  const app = await buildApp({
    config,
    store,
    clips,
    tmpDir,
    stats: () => ({ ...runner.stats() }),
    isReady: () => runner.isReady(),
    version: await packageVersion(),
  });

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      // close() stops accepting, waits for in-flight requests (and their log entries).
      await app.close();
      await runner.close();
      await store.close();
    } finally {
      process.exit(0);
    }
  };
  // on, not once: a repeated signal must find the handler (and be ignored), not kill the drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  try {
    // A configured checkpoint is downloaded and verified now; /health answers meanwhile.
    const model = await prepareEmotionModel(config, (message) => app.log.info(message));
    await runner.start(model.engine);
    app.log.info({ model: model.description }, 'models loaded and workers warm: ready');
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
