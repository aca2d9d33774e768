/**
 * The BullMQ runner and consumer on a real Redis (started here), with stub work: the
 * cluster-wide queue bound (503 overloaded), a job whose workers keep dying, which fails
 * with worker_lost after JOB_ATTEMPTS starts, and a worker that finds Redis gone for a
 * moment as it reads a job's upload.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError, type ErrorShape } from '../../src/errors.js';
import { QueueConsumer, type AsyncJobHooks } from '../../src/jobs/bullmq-consumer.js';
import { QueueRunner } from '../../src/jobs/bullmq-runner.js';
import { CLIP_QUEUE } from '../../src/jobs/queue-protocol.js';
import { Queue } from 'bullmq';
import type { ClipJobResult } from '../../src/jobs/clip-job.types.js';
import type { ClipJob, ClipJobRunner } from '../../src/jobs/job-runner.js';
import { redisUnavailableReason, startRedis, type RedisInstance } from '../helpers/redis-server.js';
import { describeWithTools } from '../helpers/tools.js';

const JOB: Omit<ClipJob, 'inputPath'> = {
  limits: { maxPixels: 1e7, maxSeconds: 60, minFrames: 15 },
  predict: true,
  predictFrames: 15,
};

/** A runner whose jobs never end (a worker that hangs, then is "lost"). */
class HangingRunner implements ClipJobRunner {
  started = 0;
  async start(): Promise<void> {}
  isReady(): boolean {
    return true;
  }
  run(): Promise<ClipJobResult> {
    this.started++;
    return new Promise(() => undefined);
  }
  isSaturated(): boolean {
    return false;
  }
  stats() {
    return { workers: 1, busy: 0, queued: 0, completed: 0, failed: 0, crashed: 0 };
  }
  async close(): Promise<void> {}
}

describeWithTools(redisUnavailableReason(), 'the BullMQ queue on a real Redis', () => {
  let redis: RedisInstance;
  let dir: string;
  let input: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'emothumb-bullmq-'));
    input = join(dir, 'clip.bin');
    await writeFile(input, Buffer.from('some bytes'));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runnerOptions = {
    jobQueueSize: 1,
    jobTimeoutMs: 60_000,
    jobAttempts: 1,
    stalledMs: 1000,
    asyncUploadTtlMs: 60_000,
  };

  it('bounds the sync and async jobs waiting across the cluster (503 overloaded)', async () => {
    const runner = new QueueRunner({ redisUrl: redis.url, queueSize: 1, ...runnerOptions });
    await runner.start();
    try {
      // No worker: the first sync job waits (its caller holds on), the second is refused.
      const waiting = runner.run({ ...JOB, inputPath: input }).catch((err: unknown) => err);
      for (let i = 0; i < 100 && runner.queueDepth().sync === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      await expect(runner.run({ ...JOB, inputPath: input })).rejects.toMatchObject({ code: 'overloaded' });
      await runner.enqueueAsync('async-1', 'predict', { ...JOB, inputPath: input });
      await expect(
        runner.enqueueAsync('async-2', 'predict', { ...JOB, inputPath: input }),
      ).rejects.toMatchObject({
        code: 'overloaded',
      });
      void waiting;
    } finally {
      await runner.close();
    }
  });

  it('tells which async jobs Redis no longer holds', async () => {
    const runner = new QueueRunner({ redisUrl: redis.url, queueSize: 1, ...runnerOptions, jobQueueSize: 10 });
    await runner.start();
    const queue = new Queue(CLIP_QUEUE, { connection: { url: redis.url } });
    try {
      await runner.enqueueAsync('held-1', 'predict', { ...JOB, inputPath: input });
      await runner.enqueueAsync('held-2', 'predict', { ...JOB, inputPath: input });
      expect(await runner.missingJobs(['held-1', 'never-queued', 'held-2'])).toEqual(['never-queued']);
      // What a Redis that lost its last writes looks like to the API node: the job is gone.
      await (await queue.getJob('held-1'))!.remove();
      expect(await runner.missingJobs(['held-1', 'held-2'])).toEqual(['held-1']);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await runner.close();
    }
  });

  it('fails a job with worker_lost once its workers have died JOB_ATTEMPTS times', async () => {
    const queueName = { redisUrl: redis.url, queueSize: 10, ...runnerOptions, jobQueueSize: 10 };
    const runner = new QueueRunner(queueName);
    await runner.start();
    // Clear what the previous test left waiting.
    const raw = new Queue(CLIP_QUEUE, { connection: { url: redis.url } });
    await raw.obliterate({ force: true });
    await raw.close();
    const failures: { id: string; error: ErrorShape }[] = [];
    const hooks: AsyncJobHooks = {
      started: async () => true,
      succeeded: async () => undefined,
      failed: async (id, error) => void failures.push({ id, error }),
    };
    const options = {
      redisUrl: redis.url,
      concurrency: 1,
      attempts: 1,
      stalledMs: 1000,
      tmpDir: dir,
      resultTtlMs: 60_000,
    };
    const first = new HangingRunner();
    const lost = new QueueConsumer(first, hooks, options);
    lost.start();
    try {
      await runner.enqueueAsync('doomed', 'predict', { ...JOB, inputPath: input });
      for (let i = 0; i < 200 && first.started === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(first.started).toBeGreaterThan(0);
      // The worker is lost: it stops renewing its lock without finishing the job.
      await lost.close(true);
      const second = new HangingRunner();
      const survivor = new QueueConsumer(second, hooks, options);
      survivor.start();
      try {
        for (let i = 0; i < 200 && !failures.some((f) => f.id === 'doomed'); i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(failures.find((f) => f.id === 'doomed')?.error.code).toBe('worker_lost');
        expect(second.started).toBe(0);
      } finally {
        await survivor.close(true);
      }
    } finally {
      await runner.close();
    }
  }, 60_000);

  it("reads a job's upload again when Redis is gone for a moment, instead of failing the job as internal", async () => {
    const runner = new QueueRunner({
      redisUrl: redis.url,
      queueSize: 10,
      ...runnerOptions,
      jobQueueSize: 10,
    });
    await runner.start();
    const raw = new Queue(CLIP_QUEUE, { connection: { url: redis.url } });
    await raw.obliterate({ force: true });
    await raw.close();
    // The API node's side only enqueues; it is closed before Redis goes away.
    try {
      await runner.enqueueAsync('blip', 'predict', { ...JOB, inputPath: input });
    } finally {
      await runner.close();
    }
    const failures: { id: string; error: ErrorShape }[] = [];
    let restarted: Promise<void> | undefined;
    const hooks: AsyncJobHooks = {
      // Redis dies between the job's start and the read of its upload, and is back 700 ms later.
      // As the service's store does, a job that has ended is not started again (BullMQ may
      // hand it out once more after the restart).
      started: async (id) => {
        if (failures.some((f) => f.id === id)) return false;
        if (!restarted) {
          await redis.kill();
          restarted = new Promise((r) => setTimeout(r, 700)).then(() => redis.restart());
        }
        return true;
      },
      succeeded: async () => undefined,
      failed: async (id, error) => void failures.push({ id, error }),
    };
    const read: number[] = [];
    const refusing: ClipJobRunner = {
      async start() {},
      isReady: () => true,
      isSaturated: () => false,
      stats: () => ({ workers: 1, busy: 0, queued: 0, completed: 0, failed: 0, crashed: 0 }),
      async close() {},
      async run(job) {
        read.push((await readFile(job.inputPath)).length);
        throw new AppError('not_a_video');
      },
    };
    const consumer = new QueueConsumer(refusing, hooks, {
      redisUrl: redis.url,
      concurrency: 1,
      attempts: 1,
      stalledMs: 10_000,
      tmpDir: dir,
      resultTtlMs: 60_000,
    });
    try {
      // Past Redis's once-a-second append-only flush: the upload survives the kill.
      await new Promise((r) => setTimeout(r, 1500));
      consumer.start();
      for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await restarted;
      expect(failures).toEqual([{ id: 'blip', error: expect.objectContaining({ code: 'not_a_video' }) }]);
      expect(read).toEqual(['some bytes'.length]);
    } finally {
      await consumer.close(true);
    }
  }, 60_000);
});
