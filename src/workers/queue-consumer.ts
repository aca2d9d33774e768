// The video side of cluster mode (ROLE=worker, or ROLE=all with REDIS_URL): a BullMQ
// consumer over this machine's own pool of clip worker processes.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import { QueueConsumer } from '../jobs/bullmq-consumer.js';
import { localClipPool } from '../jobs/local-pool.js';
import type { ProcessPoolRunner } from '../jobs/process-pool-runner.js';
import type { JobLifecycle } from '../services/job-lifecycle.js';
import type { EngineSettings } from '../vision/index.js';

export interface ConsumerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunningConsumer {
  consumer: QueueConsumer;
  pool: ProcessPoolRunner;
  /** Stops taking jobs, finishes the running ones, then stops the pool. */
  close(): Promise<void>;
}

/** Starts the local pool (warm with `engine`) and then takes jobs from the queue. */
export async function startQueueConsumer(
  config: Readonly<Config>,
  engine: EngineSettings,
  lifecycle: JobLifecycle,
  log: ConsumerLog,
): Promise<RunningConsumer> {
  const tmpDir = join(config.dataDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  // One job per local process: BullMQ's concurrency keeps the rest in Redis, where any worker may take them.
  const pool = localClipPool(config, config.workers, () => log);
  await pool.start(engine);
  const consumer = new QueueConsumer(pool, lifecycle, {
    redisUrl: config.redisUrl!,
    concurrency: config.workers,
    attempts: config.jobAttempts,
    stalledMs: config.jobStalledSeconds * 1000,
    tmpDir,
    resultTtlMs: 10 * 60_000,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  consumer.start();
  await consumer.waitUntilReady();
  return {
    consumer,
    pool,
    async close() {
      await consumer.close();
      await pool.close();
    },
  };
}
