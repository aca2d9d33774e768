/**
 * Async jobs and scale-out, on this machine, with a real PostgreSQL and Redis started here:
 * - throughput of async /jobs/predict with 1, 2 and 4 ROLE=worker processes (WORKERS=1 each)
 *   behind one ROLE=api node: a burst of jobs submitted at once, timed until the last ends;
 * - the per-job overhead of the queue: sequential sync /predict through the cluster (API node ->
 *   Redis -> worker -> Redis -> API node) against the single-process default (local pool), on
 *   the same small clip, interleaved; and an async job's submit-to-result time (polled every 20 ms).
 * Medians of BENCH_RUNS runs. The machine's core count caps what more workers can give.
 *
 *   npm run bench -- jobs
 */
import '../src/polyfills.js';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { send } from '../test/helpers/http.js';
import { redisUnavailableReason, startRedis } from '../test/helpers/redis-server.js';
import { authHeaders, startServer, startWorker, type RunningWorker } from '../test/helpers/server.js';
import { pgUnavailableReason, startPgCluster } from '../test/store/pg-cluster.js';
import { faceClip, phoneLikeClip } from './lib/clips.js';
import { ensureFfmpeg, fmt, median } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BURST = Number(process.env.BENCH_BURST ?? 12);
const WORKER_COUNTS = (process.env.BENCH_WORKER_COUNTS ?? '1,2,4').split(',').map(Number);
const unavailable = pgUnavailableReason() ?? redisUnavailableReason();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(0);
}

const ffmpeg = ensureFfmpeg();
// A short phone-like 1080p clip with sound: the work per job is real but short, so the queue's share shows.
const clip = readFileSync(phoneLikeClip(ffmpeg, await faceClip(2)));

const [pgCluster, redis] = await Promise.all([startPgCluster(), startRedis()]);
const databaseUrl = await pgCluster.createDatabase();
const common = { RATE_LIMIT_PER_MINUTE: '0', QUEUE_SIZE: '256', JOB_QUEUE_SIZE: '1000' };
const clusterEnv = { ...common, REDIS_URL: redis.url, DATABASE_URL: databaseUrl };
const api = await startServer({ ...clusterEnv, ROLE: 'api' });
const single = await startServer({ ...common, WORKERS: '1' });
const workers: RunningWorker[] = [];

const post = async (url: string, path: string): Promise<{ ms: number; body: Record<string, unknown> }> => {
  const start = performance.now();
  const res = await send(`${url}${path}`, {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'video/mp4' },
    body: clip,
  });
  if (res.status !== 200 && res.status !== 202)
    throw new Error(`${path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
  return { ms: performance.now() - start, body: res.json() };
};

async function waitFor(id: string, pollMs: number): Promise<void> {
  for (;;) {
    const doc = (await send(`${api.url}/jobs/${id}`, { headers: authHeaders() })).json<{ status: string }>();
    if (doc.status === 'succeeded') return;
    if (doc.status === 'failed') throw new Error(`job ${id} failed: ${JSON.stringify(doc)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function setWorkers(n: number): Promise<void> {
  while (workers.length > n) await workers.pop()!.dispose();
  while (workers.length < n) workers.push(await startWorker({ ...clusterEnv, WORKERS: '1' }));
}

try {
  console.log(
    `Clip: 2 s 1920x1080 30 fps phone-like H.264 with AAC (${(clip.length / 1e6).toFixed(1)} MB), raw body. ` +
      `${availableParallelism()} cores. Medians of ${RUNS} runs.\n`,
  );

  // 1. The queue's per-job overhead: one worker process on each side, one request at a time.
  await setWorkers(1);
  for (let i = 0; i < 2; i++) {
    await post(single.url, '/predict');
    await post(api.url, '/predict');
  }
  const times: Record<string, number[]> = { single: [], cluster: [], async: [] };
  for (let i = 0; i < RUNS * 2; i++) {
    times.single!.push((await post(single.url, '/predict')).ms);
    times.cluster!.push((await post(api.url, '/predict')).ms);
    const start = performance.now();
    const { body } = await post(api.url, '/jobs/predict');
    await waitFor(body.job_id as string, 20);
    times.async!.push(performance.now() - start);
  }
  const s = median(times.single!);
  const c = median(times.cluster!);
  const a = median(times.async!);
  console.log('| per job, sequential, 1 worker process | median | overhead vs single process |');
  console.log('|---|---|---|');
  console.log(`| sync /predict, single-process default (local pool) | ${fmt(s)} | baseline |`);
  console.log(
    `| sync /predict, ROLE=api + 1 ROLE=worker (BullMQ, upload via Redis) | ${fmt(c)} | ${fmt(c - s)} |`,
  );
  console.log(
    `| async /jobs/predict -> GET /jobs/<id> (20 ms polls), same cluster | ${fmt(a)} | ${fmt(a - s)} |`,
  );

  // 2. Throughput against the number of worker processes.
  console.log(
    `\n| worker processes (WORKERS=1 each) | burst of ${BURST} async /jobs/predict: median wall time | jobs/s | vs 1 worker |`,
  );
  console.log('|---|---|---|---|');
  let one = 0;
  for (const n of WORKER_COUNTS) {
    await setWorkers(n);
    // Warm every worker once.
    await Promise.all(Array.from({ length: n * 2 }, () => post(api.url, '/predict')));
    const walls: number[] = [];
    for (let r = 0; r < Math.max(3, Math.ceil(RUNS / 2)); r++) {
      const start = performance.now();
      const ids = await Promise.all(
        Array.from(
          { length: BURST },
          async () => (await post(api.url, '/jobs/predict')).body.job_id as string,
        ),
      );
      await Promise.all(ids.map((id) => waitFor(id, 50)));
      walls.push(performance.now() - start);
    }
    const wall = median(walls);
    const rate = BURST / (wall / 1000);
    if (n === WORKER_COUNTS[0]) one = rate;
    console.log(`| ${n} | ${fmt(wall)} | ${rate.toFixed(2)} | ${(rate / one).toFixed(2)}x |`);
  }
} finally {
  await Promise.all(workers.map((w) => w.dispose()));
  await api.dispose();
  await single.dispose();
  await redis.stop();
  await pgCluster.stop();
}
