/**
 * Scale-out, end to end, on real infrastructure started here: PostgreSQL (a throwaway
 * cluster) and Redis (Debian's redis-server) on loopback, one API node (ROLE=api: it never
 * decodes) and two worker processes (ROLE=worker) with their own DATA_DIRs, real phone-like
 * clips with sound tracks, a real webhook receiver. Workers are killed with SIGKILL mid-job
 * and drained with SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLIP_QUEUE } from '../../src/jobs/queue-protocol.js';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { send } from '../helpers/http.js';
import {
  makePhoneClip,
  makePhoneSource,
  PHONE_FORMATS,
  requireSystemFfmpeg,
} from '../helpers/phone-clips.js';
import { redisUnavailableReason, startRedis, type RedisInstance } from '../helpers/redis-server.js';
import {
  authHeaders,
  startServer,
  startWorker,
  type RunningServer,
  type RunningWorker,
} from '../helpers/server.js';
import { describeWithTools } from '../helpers/tools.js';
import { pgUnavailableReason, startPgCluster, type PgCluster } from '../store/pg-cluster.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const SECRET = 'cluster-webhook-secret';
const missing = pgUnavailableReason() ?? redisUnavailableReason();

interface JobDoc {
  job_id: string;
  task: string;
  status: string;
  result: Record<string, unknown> | null;
  error: { error: string; code: string } | null;
  status_url: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithTools(missing, 'API nodes and workers on Redis (BullMQ) and PostgreSQL', () => {
  let cluster: PgCluster;
  let databaseUrl: string;
  let redis: RedisInstance;
  let api: RunningServer;
  const workers: RunningWorker[] = [];
  let clipDir: string;
  let clip: Buffer;
  let longClip: Buffer;
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
  /** What the receiver answers next (then 204). */
  const receiverStatuses: number[] = [];
  let clientA: string;
  let clientB: string;
  let db: pg.Client;

  const apiEnv = () => ({
    ROLE: 'api',
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    JOB_STALLED_SECONDS: '2',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const workerEnv = () => ({
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    WORKERS: '1',
    JOB_STALLED_SECONDS: '2',
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });

  beforeAll(async () => {
    requireSystemFfmpeg();
    clipDir = await mkdtemp(join(tmpdir(), 'emothumb-cluster-clips-'));
    const format = PHONE_FORMATS.find((f) => f.id === 'android-h264-aac')!;
    clip = await readFile(
      makePhoneClip(await makePhoneSource(clipDir, 2), format, join(clipDir, 'short'), 2),
    );
    longClip = await readFile(
      makePhoneClip(await makePhoneSource(clipDir, 8), format, join(clipDir, 'long'), 8),
    );

    [cluster, redis] = await Promise.all([startPgCluster(), startRedis()]);
    databaseUrl = await cluster.createDatabase();
    db = new pg.Client({ connectionString: databaseUrl });

    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(receiverStatuses.shift() ?? 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

    api = await startServer(apiEnv());
    await db.connect();
    const key = (client: string) =>
      (
        JSON.parse(
          execFileSync(process.execPath, [CLI, 'keys', 'create', '--client', client, '--json'], {
            env: { ...process.env, DATA_DIR: api.dataDir, DATABASE_URL: databaseUrl },
            encoding: 'utf8',
          }),
        ) as { key: string }
      ).key;
    clientA = key('cluster-a');
    clientB = key('cluster-b');
    // The models load in each worker; one at a time on a small machine.
    workers.push(await startWorker(workerEnv()));
    workers.push(await startWorker(workerEnv()));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.dispose().catch(() => undefined)));
    await api?.dispose();
    await db?.end().catch(() => undefined);
    receiver?.close();
    await redis?.stop();
    await cluster?.stop();
    if (clipDir) await rm(clipDir, { recursive: true, force: true });
  }, 120_000);

  const post = (path: string, body: Buffer, key?: string, extra: Record<string, string> = {}) =>
    send(`${api.url}${path}`, {
      method: 'POST',
      headers: authHeaders(key, { 'content-type': 'video/mp4', ...extra }),
      body,
    });

  async function waitForEnd(id: string, key?: string, timeoutMs = 180_000): Promise<JobDoc> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await send(`${api.url}/jobs/${id}`, { headers: authHeaders(key) });
      expect(res.status).toBe(200);
      const doc = res.json<JobDoc>();
      if (doc.status === 'succeeded' || doc.status === 'failed') return doc;
      await sleep(200);
    }
    throw new Error(`job ${id} did not end`);
  }

  /** The worker that logged the job's start (after `since` characters of its output). */
  async function workerStarting(id: string, since: number[]): Promise<RunningWorker> {
    for (let i = 0; i < 3000; i++) {
      const w = workers.find((x, n) =>
        x
          .output()
          .slice(since[n] ?? 0)
          .includes(`job ${id} (`),
      );
      if (w && w.output().includes(`job ${id} (async`)) return w;
      await sleep(10);
    }
    throw new Error(`no worker started job ${id}`);
  }

  it('answers the sync endpoints through the queue (the API node never decodes)', async () => {
    const res = await post('/predict', clip);
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.json()).toMatchObject({ emotion: 'Happy', prediction: 'Happy' });
    const thumb = await post('/thumbnail?duration=1', clip);
    expect(thumb.status).toBe(200);
    expect(thumb.json()).toMatchObject({ format: 'mp4', mime_type: 'video/mp4' });
    const bad = await post('/predict', Buffer.from('this is not a video at all, just text bytes'));
    expect(bad.status).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'not_a_video' });
    expect(api.output()).not.toMatch(/models loaded/);
  });

  it('runs async jobs on the workers, signs the webhook, retries it and records its deliveries', async () => {
    received.length = 0;
    receiverStatuses.push(503);
    const res = await post(`/jobs/analyze?callback_url=${encodeURIComponent(receiverUrl)}`, clip, clientA);
    expect(res.status, res.body.toString()).toBe(202);
    const { job_id: id, status_url } = res.json<{ job_id: string; status_url: string }>();
    expect(res.headers.location).toBe(status_url);
    const doc = await waitForEnd(id, clientA);
    expect(doc).toMatchObject({ task: 'analyze', status: 'succeeded', error: null });
    expect(doc.result).toMatchObject({ emotion: 'Happy', thumbnail: { format: 'mp4' } });

    for (let i = 0; i < 200 && received.length < 2; i++) await sleep(50);
    expect(received).toHaveLength(2);
    const hook = received[1]!;
    expect(received[0]!.body.equals(hook.body)).toBe(true);
    expect(hook.headers['x-job-id']).toBe(id);
    expect(verifyWebhookSignature(hook.body, hook.headers['x-signature'] as string, SECRET)).toBe(true);
    expect(JSON.parse(hook.body.toString())).toEqual(doc);
    await sleep(200);
    const deliveries = await db.query(
      'SELECT attempt, status_code, ok FROM webhook_deliveries WHERE job_id = $1 ORDER BY id',
      [id],
    );
    expect(deliveries.rows).toEqual([
      { attempt: 1, status_code: 503, ok: false },
      { attempt: 2, status_code: 204, ok: true },
    ]);
  });

  it('returns the same job for a repeated Idempotency-Key, and keeps clients apart', async () => {
    const first = await post('/jobs/predict', clip, clientA, { 'idempotency-key': 'diary-7' });
    expect(first.status).toBe(202);
    const id = first.json<{ job_id: string }>().job_id;
    const again = await post('/jobs/predict', clip, clientA, { 'idempotency-key': 'diary-7' });
    expect([200, 202]).toContain(again.status);
    expect(again.json<{ job_id: string }>().job_id).toBe(id);
    const doc = await waitForEnd(id, clientA);
    expect(doc.status).toBe('succeeded');
    const rows = await db.query('SELECT COUNT(*)::int AS n FROM jobs WHERE idempotency_key = $1', [
      'diary-7',
    ]);
    expect(rows.rows[0].n).toBe(1);
    expect(workers.map((w) => w.output().split(`job ${id} (async predict) started`).length - 1)).toContain(1);

    const foreign = await send(`${api.url}/jobs/${id}`, { headers: authHeaders(clientB) });
    expect(foreign.status).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'job_not_found' });
  });

  it("fails a bad video once, with the sync endpoint's code", async () => {
    const res = await post('/jobs/predict', Buffer.from('definitely not a video, only some text'));
    const doc = await waitForEnd(res.json<{ job_id: string }>().job_id);
    expect(doc).toMatchObject({ status: 'failed', error: { code: 'not_a_video' } });
    const row = await db.query('SELECT attempts FROM jobs WHERE id = $1', [doc.job_id]);
    expect(row.rows[0].attempts).toBe(1);
  });

  it('finishes a job on the other worker when its worker is killed with SIGKILL mid-job', async () => {
    const since = workers.map((w) => w.output().length);
    const res = await post('/jobs/predict', longClip);
    const id = res.json<{ job_id: string }>().job_id;
    const victim = await workerStarting(id, since);
    victim.proc.kill('SIGKILL');
    await victim.stop();
    workers.splice(workers.indexOf(victim), 1);
    const doc = await waitForEnd(id);
    expect(doc.status, JSON.stringify(doc.error)).toBe('succeeded');
    expect(doc.result).toMatchObject({ emotion: 'Happy' });
    const row = await db.query('SELECT attempts FROM jobs WHERE id = $1', [id]);
    expect(row.rows[0].attempts).toBe(2);
    // A replacement joins for the rest.
    workers.push(await startWorker(workerEnv()));
  }, 400_000);

  it('lets a worker finish its job on SIGTERM before it exits', async () => {
    const since = workers.map((w) => w.output().length);
    const res = await post('/jobs/predict', longClip);
    const id = res.json<{ job_id: string }>().job_id;
    const worker = await workerStarting(id, since);
    const code = await worker.stop('SIGTERM');
    workers.splice(workers.indexOf(worker), 1);
    expect(code).toBe(0);
    expect(worker.output()).toContain(`job ${id} (async predict) done`);
    const doc = await waitForEnd(id);
    expect(doc.status).toBe('succeeded');
  }, 300_000);

  it("reports queue depth on the API node and health on the worker's HEALTH_PORT", async () => {
    const metrics = await send(`${api.url}/metrics`, { headers: authHeaders() });
    expect(metrics.status).toBe(200);
    expect(metrics.body.toString()).toMatch(/emothumb_queue_depth\{state="async"\}/);
    expect(metrics.body.toString()).toMatch(/emothumb_jobs_by_status\{status="succeeded"\} [1-9]/);
    // Sync jobs' latency is observed by the API node that waited for them.
    expect(metrics.body.toString()).toMatch(
      /emothumb_job_duration_seconds_count\{task="predict",status="succeeded"\} [1-9]/,
    );
    const health = await send(`${workers[0]!.healthUrl}/health`);
    expect(health.status).toBe(200);
    const workerMetrics = await send(`${workers[0]!.healthUrl}/metrics`);
    expect(workerMetrics.body.toString()).toMatch(/emothumb_worker_jobs/);
  });

  it('serves with ROLE=all on the queue too (HTTP and a consumer of its own)', async () => {
    const both = await startServer({ ...apiEnv(), ROLE: 'all', WORKERS: '1' });
    try {
      const res = await send(`${both.url}/predict`, {
        method: 'POST',
        headers: authHeaders(undefined, { 'content-type': 'video/mp4' }),
        body: clip,
      });
      expect(res.status, res.body.toString()).toBe(200);
      expect(res.json()).toMatchObject({ emotion: 'Happy' });
      const health = await send(`${both.url}/health`);
      expect(health.json<{ jobs: Record<string, number> }>().jobs).toHaveProperty('active');
    } finally {
      await both.dispose();
    }
  }, 300_000);

  it('fails a job Redis lost with worker_lost, at the second check that misses it (JOB_LOST_CHECK_SECONDS)', async () => {
    // No worker: the jobs wait in Redis; an API node that checks every second.
    await Promise.all(workers.map((w) => w.dispose()));
    workers.length = 0;
    const checker = await startServer({ ...apiEnv(), JOB_LOST_CHECK_SECONDS: '1' });
    const queue = new Queue(CLIP_QUEUE, { connection: { url: redis.url } });
    try {
      const submit = async (): Promise<string> => {
        const res = await send(`${checker.url}/jobs/predict`, {
          method: 'POST',
          headers: authHeaders(clientA, { 'content-type': 'video/mp4' }),
          body: clip,
        });
        expect(res.status, res.body.toString()).toBe(202);
        return res.json<{ job_id: string }>().job_id;
      };
      const [lost, kept] = [await submit(), await submit()];
      // What a Redis that lost its last writes (a power cut) leaves: the job record, no queue entry.
      await (await queue.getJob(lost))!.remove();
      const doc = await waitForEnd(lost, clientA, 20_000);
      expect(doc).toMatchObject({ status: 'failed', error: { code: 'worker_lost' } });
      expect(doc.error!.error).toMatch(/queue lost this job/);
      expect(checker.output()).toMatch(/job\(s\) lost by the queue: failed as worker_lost/);
      // The job still in Redis is left alone (a worker takes it in the next test).
      const res = await send(`${api.url}/jobs/${kept}`, { headers: authHeaders(clientA) });
      expect(res.json<JobDoc>().status).toBe('queued');
    } finally {
      await queue.close();
      await checker.dispose();
    }
  }, 120_000);

  it('loses no accepted job when Redis restarts and the API node that took it is killed', async () => {
    // No worker for now: the job waits in Redis.
    await Promise.all(workers.map((w) => w.dispose()));
    workers.length = 0;
    const res = await post('/jobs/predict', clip, clientA);
    expect(res.status).toBe(202);
    const id = res.json<{ job_id: string }>().job_id;
    const requestId = res.headers['x-request-id'] as string;

    await redis.restart();
    api.proc.kill('SIGKILL');
    await api.dispose();
    api = await startServer(apiEnv());
    workers.push(await startWorker(workerEnv()));

    const doc = await waitForEnd(id, clientA);
    expect(doc.status, JSON.stringify(doc.error)).toBe('succeeded');
    expect(doc.result).toMatchObject({ emotion: 'Happy' });
    // The killed node's answer was logged before it was sent.
    const logged = await db.query('SELECT status_code FROM request_log WHERE request_id = $1', [requestId]);
    expect(logged.rows).toEqual([{ status_code: 202 }]);
  }, 300_000);

  it('keeps every job accepted more than a second before Redis dies of SIGKILL (AOF, appendfsync everysec), and keeps answering', async () => {
    // Three rounds of a burst of submissions with Redis killed in the middle and restarted on
    // its append-only file. The payload is not a video, so that hundreds of jobs cross the whole
    // queue path (upload into Redis, a worker fetches and probes it, the failure recorded in
    // PostgreSQL) in seconds; each must end failed with not_a_video, or be counted as lost.
    const junk = Buffer.from('not a video: only these bytes, queued, fetched and refused by a worker');
    while (workers.length < 2) workers.push(await startWorker(workerEnv()));
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: null });
    redisClient.on('error', () => undefined);
    const rounds: {
      accepted: number;
      beforeKill: number;
      lastSecond: number;
      lost: number;
      refused: number;
      codes: string[];
    }[] = [];
    try {
      for (let round = 1; round <= 3; round++) {
        const accepted: { id: string; at: number }[] = [];
        const answers: string[] = [];
        let stop = false;
        const submitter = async (): Promise<void> => {
          while (!stop) {
            try {
              const res = await post('/jobs/predict', junk, clientB);
              if (res.status === 202)
                accepted.push({ id: res.json<{ job_id: string }>().job_id, at: Date.now() });
              else {
                answers.push(`${res.status} ${res.json<{ code?: string }>().code}`);
                await sleep(50);
              }
            } catch (err) {
              answers.push(`no answer: ${(err as Error).message}`);
            }
          }
        };
        const burst = Promise.all([1, 2, 3, 4].map(submitter));
        await sleep(1500);
        const killedAt = Date.now();
        await redis.kill();
        await sleep(500);
        await redis.restart();
        await sleep(1000);
        stop = true;
        await burst;

        // The service kept answering: every request got a 202 or a 503 to retry.
        expect(answers.filter((a) => !/^503 (not_ready|overloaded)$/.test(a))).toEqual([]);
        const ids = new Set(accepted.map((a) => a.id));
        // What the restarted Redis lost: accepted jobs whose BullMQ record is gone (a failed
        // job's record is kept for a day, a completed one for an hour).
        const lost: typeof accepted = [];
        for (const a of accepted)
          if ((await redisClient.exists(`bull:${CLIP_QUEUE}:${a.id}`)) === 0) lost.push(a);
        // The guarantee: nothing accepted more than a second before the kill is lost.
        expect(lost.filter((a) => a.at < killedAt - 1000)).toEqual([]);

        // Every job the store has ends with a clear code (the lost ones, if any, stay queued).
        const lostIds = new Set(lost.map((a) => a.id));
        let open: { id: string; status: string; code: string | null }[] = [];
        for (let i = 0; i < 600; i++) {
          const rows = await db.query<{ id: string; status: string; code: string | null }>(
            "SELECT id, status, error->>'code' AS code FROM jobs WHERE owner = 'client:cluster-b'",
          );
          open = rows.rows.filter((r) => r.status === 'queued' || r.status === 'running');
          if (open.every((r) => lostIds.has(r.id))) {
            const ended = rows.rows.filter((r) => !lostIds.has(r.id));
            expect(ended.filter((r) => r.status !== 'failed' || r.code !== 'not_a_video')).toEqual([]);
            // And no job the client was not told it had (a refused submission's record is removed).
            expect(rows.rows.filter((r) => !ids.has(r.id))).toEqual([]);
            break;
          }
          await sleep(200);
        }
        expect(open.filter((r) => !lostIds.has(r.id))).toEqual([]);
        await db.query("DELETE FROM jobs WHERE owner = 'client:cluster-b'");
        const before = accepted.filter((a) => a.at < killedAt);
        rounds.push({
          accepted: accepted.length,
          beforeKill: before.length,
          lastSecond: before.filter((a) => a.at >= killedAt - 1000).length,
          lost: lost.length,
          refused: answers.length,
          codes: [...new Set(answers)],
        });
      }
    } finally {
      redisClient.disconnect();
    }
    // accepted: 202s of the round; beforeKill: of them, received before the kill; lastSecond:
    // of those, in the last second before it; lost: not in the restarted Redis; refused: 503s.
    console.log(`Redis SIGKILL rounds: ${JSON.stringify(rounds)}`);
    expect(rounds.every((r) => r.accepted > 10)).toBe(true);

    // And a real job afterwards runs as before.
    const res = await post('/jobs/predict', clip, clientA);
    expect(res.status).toBe(202);
    const doc = await waitForEnd(res.json<{ job_id: string }>().job_id, clientA);
    expect(doc.status, JSON.stringify(doc.error)).toBe('succeeded');
  }, 400_000);
});
