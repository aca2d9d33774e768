// The service's entry point: reads the configuration and starts the process's role (src/roles/).
import './polyfills.js';
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Each role's module is loaded only for that role: the embedded default does not carry the
  // cluster's modules (BullMQ, ioredis and what uses them; about 20 MB less resident).
  if (config.role === 'worker') {
    await (await import('./roles/worker.js')).runWorkerRole(config);
  } else if (config.redisUrl !== undefined) {
    await (await import('./roles/cluster-api.js')).runClusterApi(config);
  } else {
    await (await import('./roles/all-in-one.js')).runAllInOne(config);
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
