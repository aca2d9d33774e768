/**
 * The whole service over HTTP on loopback, against `ffmpeg -i clip -f null -` on the
 * same clip in the same run (interleaved, so machine noise hits both alike):
 * - /predict, /thumbnail, /analyze median latency on a 5 s 1080p30 H.264 clip of a face
 *   with an AAC sound track (raw body), as ratios of the ffmpeg decode time;
 * - peak resident memory of the server and its workers under 4 concurrent 10 s 1080p
 *   /analyze requests, and under 4 concurrent 5 s ones (memory must not grow with length);
 * - throughput: requests per second and latency percentiles with N concurrent clients.
 *
 *   npm run bench -- service
 */
import '../src/polyfills.js';
import { readFileSync } from 'node:fs';
import { send } from '../test/helpers/http.js';
import { authHeaders, startServer } from '../test/helpers/server.js';
import {
  faceClip,
  phoneLikeClip,
  talkingHeadClip,
  TALKING_HEAD_SOURCE,
  withSoundTrack,
} from './lib/clips.js';
import {
  ensureFfmpeg,
  ffmpegVideoDecodeMs,
  fmt,
  median,
  percentile,
  ratio,
  treeRssBytes,
} from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const ffmpeg = ensureFfmpeg();
// Every real upload has a sound track: the clips carry one (AAC, as phones write it).
const clip5 = withSoundTrack(ffmpeg, await faceClip(5));
const clip10 = withSoundTrack(ffmpeg, await faceClip(10));
const body5 = readFileSync(clip5);
const body10 = readFileSync(clip10);
// The phone-like clip: 1 s GOP, no B-frames, ~12 Mbit/s, AAC (what an Android camera writes).
const phone5 = phoneLikeClip(ffmpeg, await faceClip(5));
const phone10 = phoneLikeClip(ffmpeg, await faceClip(10));
const phoneBody5 = readFileSync(phone5);
const phoneBody10 = readFileSync(phone10);
const WORKERS = process.env.BENCH_WORKERS;

const server = await startServer({
  RATE_LIMIT_PER_MINUTE: '0',
  QUEUE_SIZE: '64',
  ...(WORKERS ? { WORKERS } : {}),
});
const post = async (path: string, body: Buffer): Promise<number> => {
  const start = performance.now();
  const res = await send(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'video/mp4' },
    body,
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
  return performance.now() - start;
};

try {
  // Warm-up: first requests pay for page faults and JIT.
  for (const p of ['/predict', '/thumbnail', '/analyze']) await post(p, body5);

  const ENDPOINTS = ['/predict', '/thumbnail', '/analyze'];
  async function measureLatency(
    title: string,
    clip: string,
    body: Buffer,
    bars: Record<string, number>,
  ): Promise<void> {
    for (const p of ENDPOINTS) await post(p, body);
    const times: Record<string, number[]> = { ffmpeg: [] };
    for (let i = 0; i < RUNS; i++) {
      times.ffmpeg!.push(ffmpegVideoDecodeMs(ffmpeg, clip));
      for (const p of ENDPOINTS) (times[p] ??= []).push(await post(p, body));
    }
    const base = median(times.ffmpeg!);
    console.log(`\n${title} (${(body.length / 1e6).toFixed(1)} MB), raw body, ${RUNS} runs interleaved.\n`);
    console.log('| what | median | ratio to ffmpeg video decode | bar |');
    console.log('|---|---|---|---|');
    console.log(`| \`ffmpeg -i clip -an -f null -\` | ${fmt(base)} | 1.00x | baseline |`);
    for (const p of ENDPOINTS) {
      const m = median(times[p]!);
      console.log(
        `| POST ${p} | ${fmt(m)} | ${ratio(m, base)} | <= ${bars[p]}x ${m / base <= bars[p]! ? 'met' : 'NOT met'} |`,
      );
    }
  }
  const talking = talkingHeadClip(ffmpeg);
  if (talking) {
    await measureLatency(
      "The bars' clip: a talking head (MEAD, 256 px, looped) at 5 s 1920x1080 30 fps H.264 High, 1 s GOP, no B-frames, 12 Mbit/s, AAC",
      talking,
      readFileSync(talking),
      { '/predict': 1.5, '/thumbnail': 1.5, '/analyze': 1.5 },
    );
  } else {
    console.log(`\n(the talking-head clip is skipped: no ${TALKING_HEAD_SOURCE}; set BENCH_TALKING_HEAD)`);
  }
  await measureLatency(
    'Phone-like clip: 5 s 1920x1080 30 fps H.264 High, 1 s GOP, no B-frames, ~12 Mbit/s, AAC',
    phone5,
    phoneBody5,
    { '/predict': 0.8, '/thumbnail': 1.1, '/analyze': 1.2 },
  );
  await measureLatency(
    'Previous benchmark clip: 5 s 1920x1080 30 fps H.264 High, x264 default GOP, AAC',
    clip5,
    body5,
    { '/predict': 1.5, '/thumbnail': 1.5, '/analyze': 1.8 },
  );

  // Memory: 4 concurrent clients posting 10 s phone-like clips (/predict, /predict, /thumbnail, /analyze), twice.
  {
    let peakMixed = treeRssBytes(server.proc.pid!);
    const timer = setInterval(() => (peakMixed = Math.max(peakMixed, treeRssBytes(server.proc.pid!))), 25);
    const statuses: number[] = [];
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        ['/predict', '/predict', '/thumbnail', '/analyze'].map(async (p) => {
          const res = await send(`${server.url}${p}`, {
            method: 'POST',
            headers: { ...authHeaders(), 'content-type': 'video/mp4' },
            body: phoneBody10,
          });
          statuses.push(res.status);
        }),
      );
    }
    clearInterval(timer);
    const limit = WORKERS === '2' ? 500 : 400;
    const mbMixed = peakMixed / 1024 / 1024;
    console.log(
      `\n| peak RSS, all service processes (WORKERS=${WORKERS ?? 'default'}), 4 clients x 10 s phone-like clips with sound (/predict, /predict, /thumbnail, /analyze), twice | ${mbMixed.toFixed(0)} MB | < ${limit} MB ${mbMixed < limit ? 'met' : 'NOT met'}; statuses ${[...new Set(statuses)].join(',')} |`,
    );
  }
  const base = median(Array.from({ length: 3 }, () => ffmpegVideoDecodeMs(ffmpeg, clip5)));

  // Memory: peak RSS of the server tree while 4 requests run at once.
  const peakUnder = async (body: Buffer): Promise<number> => {
    let peak = treeRssBytes(server.proc.pid!);
    const timer = setInterval(() => (peak = Math.max(peak, treeRssBytes(server.proc.pid!))), 25);
    await Promise.all(Array.from({ length: 4 }, () => post('/analyze', body)));
    clearInterval(timer);
    return peak;
  };
  const idle = treeRssBytes(server.proc.pid!);
  const peak5 = await peakUnder(body5);
  const peak10 = await peakUnder(body10);
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
  console.log('\n| memory (server + workers, RSS) | value | bar |');
  console.log('|---|---|---|');
  console.log(`| idle, warm | ${mb(idle)} | |`);
  console.log(`| peak, 4 concurrent 5 s 1080p /analyze | ${mb(peak5)} | |`);
  console.log(
    `| peak, 4 concurrent 10 s 1080p /analyze | ${mb(peak10)} | < 400 MB ${peak10 < 400 * 1024 * 1024 ? 'met' : 'NOT met'} |`,
  );
  console.log(`| growth from 5 s to 10 s clips | ${ratio(peak10, peak5)} | flat |`);

  // Throughput: CLIENTS clients in a closed loop for THROUGHPUT_SECONDS.
  const latencies: number[] = [];
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) latencies.push(await post('/thumbnail', body5));
    }),
  );
  const wall = (performance.now() - started) / 1000;
  console.log(
    `\n| throughput: /thumbnail, 5 s 1080p, ${CLIENTS} concurrent clients, ${THROUGHPUT_SECONDS} s | value |`,
  );
  console.log('|---|---|');
  console.log(`| requests | ${latencies.length} |`);
  console.log(`| requests per second | ${(latencies.length / wall).toFixed(2)} |`);
  console.log(
    `| latency p50 / p95 / p99 | ${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 95))} / ${fmt(percentile(latencies, 99))} |`,
  );
  console.log(`| per-request decode floor (ffmpeg, 1 clip) | ${fmt(base)} |`);
} finally {
  await server.dispose();
}
