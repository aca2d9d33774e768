/**
 * This tree against another checkout of the project (BENCH_BASE: its folder, built with
 * `npm run build`), two servers side by side, requests interleaved run by run with
 * `ffmpeg -i clip -an -f null -` on the same clip, so that a loaded machine slows all alike:
 * /predict, /thumbnail and /analyze on the bars' clip (and the phone-like clip), medians and
 * ratios to the ffmpeg decode; then the peak RSS of each server's processes under 4 clients
 * posting 10 s 1080p clips to /analyze, twice. Skipped, saying so, without BENCH_BASE.
 * BENCH_RUNS (default 7), BENCH_BARS_ONLY=1 (the bars' clip only), BENCH_PHONE=1 (the phone-like clip too).
 *
 *   BENCH_BASE=../main npm run bench -- ab-tree
 */
import '../src/polyfills.js';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { send } from '../test/helpers/http.js';
import { authHeaders, startServer } from '../test/helpers/server.js';
import { faceClip, phoneLikeClip, talkingHeadClip, withSoundTrack } from './lib/clips.js';
import { ensureFfmpeg, ffmpegVideoDecodeMs, fmt, median, ratio, treeRssBytes } from './lib/measure.js';

const BASE = process.env.BENCH_BASE;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ENDPOINTS = ['/predict', '/thumbnail', '/analyze'];

if (!BASE) {
  console.log('(skipped: set BENCH_BASE to another checkout of the project, built, to compare with)');
  process.exit(0);
}
const ffmpeg = ensureFfmpeg();
const baseHelpers = (await import(
  join(resolve(BASE), 'test', 'helpers', 'server.ts')
)) as typeof import('../test/helpers/server.js');
const env = { RATE_LIMIT_PER_MINUTE: '0', QUEUE_SIZE: '64' };
const servers = { base: await baseHelpers.startServer(env), this: await startServer(env) };

const post = async (url: string, path: string, body: Buffer): Promise<number> => {
  const start = performance.now();
  const res = await send(`${url}${path}`, {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'video/mp4' },
    body,
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
  return performance.now() - start;
};

async function compare(title: string, clip: string): Promise<void> {
  const body = readFileSync(clip);
  for (const s of Object.values(servers)) for (const p of ENDPOINTS) await post(s.url, p, body);
  const times: Record<string, number[]> = { ffmpeg: [] };
  for (let i = 0; i < RUNS; i++) {
    times.ffmpeg!.push(ffmpegVideoDecodeMs(ffmpeg, clip));
    // Who goes first alternates run by run: a request can pay for the one before it.
    const order = i % 2 === 0 ? Object.entries(servers) : Object.entries(servers).reverse();
    for (const p of ENDPOINTS)
      for (const [name, s] of order) (times[`${name} ${p}`] ??= []).push(await post(s.url, p, body));
  }
  const base = median(times.ffmpeg!);
  console.log(`\n${title}, ${RUNS} runs interleaved; ffmpeg -an: ${fmt(base)}\n`);
  console.log('| endpoint | base tree | this tree | this / base |');
  console.log('|---|---|---|---|');
  for (const p of ENDPOINTS) {
    const a = median(times[`base ${p}`]!);
    const b = median(times[`this ${p}`]!);
    console.log(
      `| POST ${p} | ${fmt(a)} (${ratio(a, base)}) | ${fmt(b)} (${ratio(b, base)}) | ${(b / a).toFixed(2)}x |`,
    );
  }
}

/** Peak RSS of each server's process tree while 4 clients post `body` to /analyze at once, one server after the other. */
async function memory(body: Buffer): Promise<void> {
  console.log('\n| RSS, all service processes | base tree | this tree |\n|---|---|---|');
  const idle = Object.values(servers).map((s) => treeRssBytes(s.proc.pid!));
  const peaks: number[] = [];
  for (const s of Object.values(servers)) {
    let peak = treeRssBytes(s.proc.pid!);
    const timer = setInterval(() => (peak = Math.max(peak, treeRssBytes(s.proc.pid!))), 25);
    for (let round = 0; round < 2; round++)
      await Promise.all(Array.from({ length: 4 }, () => post(s.url, '/analyze', body)));
    clearInterval(timer);
    peaks.push(peak);
  }
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
  console.log(`| idle, warm | ${mb(idle[0]!)} | ${mb(idle[1]!)} |`);
  console.log(`| peak, 4 clients x 10 s 1080p /analyze, twice | ${mb(peaks[0]!)} | ${mb(peaks[1]!)} |`);
}

try {
  const talking = talkingHeadClip(ffmpeg);
  if (talking) await compare("The bars' clip (talking head, 5 s 1080p30, 1 s GOP, 12 Mbit/s, AAC)", talking);
  if (!process.env.BENCH_BARS_ONLY)
    await compare(
      'Previous benchmark clip (5 s 1080p30, x264 default GOP, AAC)',
      withSoundTrack(ffmpeg, await faceClip(5)),
    );
  if (!process.env.BENCH_BARS_ONLY) await memory(readFileSync(withSoundTrack(ffmpeg, await faceClip(10))));
  if (process.env.BENCH_PHONE) await compare('Phone-like clip', phoneLikeClip(ffmpeg, await faceClip(5)));
} finally {
  await servers.base.dispose();
  await servers.this.dispose();
}
