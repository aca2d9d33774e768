/**
 * Media layer speed against the ffmpeg CLI on a phone-like clip: 5 s 1080p30
 * H.264 High, yuv420p, about 12 Mbit/s, GOP 60 (generated once with node-av
 * and cached in the temp folder). Prints medians over RUNS runs and ratios
 * against `ffmpeg -i clip -f null -` (the system ffmpeg, installed with apt when
 * missing; it is only a yardstick, src/ never uses it).
 *
 *   npx tsx bench/run.ts media
 */
import '../src/polyfills.js';

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  decodeFrames,
  encodeBoomerang,
  evenlySpacedIndices,
  probeVideo,
  type DecodeStats,
} from '../src/media/index.js';
import { makeTestClip } from '../test/helpers/clips.js';
import { withSoundTrack } from './lib/clips.js';
import { ensureFfmpeg, median } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LIMITS = { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 };

/** Wall and CPU milliseconds of `fn`; CPU covers every thread of this process (decoder threads too). */
async function time(
  fn: () => Promise<number | void> | number | void,
): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const childCpu = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wall, cpu: typeof childCpu === 'number' ? childCpu : (c.user + c.system) / 1000 };
}

/** Runs a command under bash's `time`; returns its user+system CPU in ms. */
function runTimed(cmd: string[]): number {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time ${quoted} >/dev/null 2>&1 ; } 2>&1`], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${cmd[0]} failed`);
  const [u, sys] = r.stdout.trim().split(/\s+/).map(Number);
  return (u + sys) * 1000;
}

async function main(): Promise<void> {
  const ffmpeg = ensureFfmpeg();
  const dir = join(tmpdir(), 'emothumb-bench');
  mkdirSync(dir, { recursive: true });
  const silent = join(dir, 'phone-1080p30-5s-v1.mp4');
  if (!existsSync(silent)) {
    const t = await time(async () => {
      await makeTestClip(silent, {
        width: 1920,
        height: 1080,
        fps: 30,
        seconds: 5,
        codec: 'h264',
        profile: 'high',
        bitRate: 12_000_000,
        gop: 60,
        preset: 'veryfast',
        grain: 4,
      });
    });
    console.log(`(generated ${silent} in ${(t.wall / 1000).toFixed(1)} s)`);
  }
  // With a phone's sound track (AAC), as every real upload has.
  const clip = withSoundTrack(ffmpeg, silent);
  const longSilent = join(dir, 'phone-1080p30-10s-v1.mp4');
  if (!existsSync(longSilent)) {
    await makeTestClip(longSilent, {
      width: 1920,
      height: 1080,
      fps: 30,
      seconds: 10,
      codec: 'h264',
      bitRate: 12_000_000,
      gop: 60,
      preset: 'ultrafast',
    });
  }
  const long = withSoundTrack(ffmpeg, longSilent);

  const rows: { name: string; ms: number[]; cpu: number[] }[] = [];
  const run = async (name: string, fn: () => Promise<number | void> | number | void): Promise<void> => {
    const ms: number[] = [];
    const cpu: number[] = [];
    await fn(); // warm-up: page cache, lazy library init
    for (let i = 0; i < RUNS; i++) {
      const t = await time(fn);
      ms.push(t.wall);
      cpu.push(t.cpu);
    }
    rows.push({ name, ms, cpu });
  };

  await run('ffmpeg -i clip -f null - (system ffmpeg, baseline)', () =>
    runTimed([ffmpeg, '-v', 'error', '-nostdin', '-i', clip, '-f', 'null', '-']),
  );
  await run('ffmpeg -skip_frame noref -i clip -f null - (reference)', () =>
    runTimed([ffmpeg, '-v', 'error', '-nostdin', '-skip_frame', 'noref', '-i', clip, '-f', 'null', '-']),
  );

  let thumbs: Awaited<ReturnType<typeof decodeFrames>>[number] = [];
  const stats = {} as DecodeStats;
  await run('probeVideo + decodeFrames (15 @ 256 + 15 @ 480)', async () => {
    const info = await probeVideo(clip, LIMITS);
    const idx = evenlySpacedIndices(info.frameCount, 15);
    const [, t] = await decodeFrames(
      clip,
      info,
      [
        { indices: idx, maxSide: 256 },
        { indices: idx, maxSide: 480 },
      ],
      { stats },
    );
    thumbs = t;
  });
  await run('same, skipNonReference: false (every frame decoded)', async () => {
    const info = await probeVideo(clip, LIMITS);
    const idx = evenlySpacedIndices(info.frameCount, 15);
    await decodeFrames(
      clip,
      info,
      [
        { indices: idx, maxSide: 256 },
        { indices: idx, maxSide: 480 },
      ],
      { skipNonReference: false },
    );
  });
  // The peak-anchored thumbnail: 15 frames from a 1.5 s window in the middle.
  const window = [...Array(15).keys()].map((i) => 60 + i * 3);
  const windowStats = {} as DecodeStats;
  await run('decodeFrames 15 @ 480 in a 1.5 s window (peak anchor)', async () => {
    const info = await probeVideo(clip, LIMITS);
    await decodeFrames(clip, info, [{ indices: window, maxSide: 480 }], { minFrames: 1, stats: windowStats });
  });
  await run('same window, skipNonReference: false', async () => {
    const info = await probeVideo(clip, LIMITS);
    await decodeFrames(clip, info, [{ indices: window, maxSide: 480 }], {
      minFrames: 1,
      skipNonReference: false,
    });
  });
  await run('probeVideo only', async () => {
    await probeVideo(clip, LIMITS);
  });
  await run('encodeBoomerang mp4 (15 -> 29 frames @ 480)', async () => {
    await encodeBoomerang(thumbs, { format: 'mp4', fps: 10 });
  });
  await run('encodeBoomerang webp', async () => {
    await encodeBoomerang(thumbs, { format: 'webp', fps: 10 });
  });
  await run('encodeBoomerang gif', async () => {
    await encodeBoomerang(thumbs, { format: 'gif', fps: 10 });
  });

  // Memory: peak RSS of a fresh process that decodes (vs one that only probes);
  // a 10 s 1080p clip must not cost more than a 5 s one.
  const peakMiB = (path: string, what: 'probe' | 'decode'): number => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--mem', path, what],
      {
        encoding: 'utf8',
      },
    );
    return Number(/maxrss=(\d+)/.exec(r.stdout)?.[1] ?? NaN) / 1024;
  };
  const mem = {
    probe5: peakMiB(clip, 'probe'),
    decode5: peakMiB(clip, 'decode'),
    decode10: peakMiB(long, 'decode'),
  };

  const base = median(rows[0].ms);
  const baseCpu = median(rows[0].cpu);
  console.log(
    `clip: 5 s 1920x1080 30 fps H.264 High yuv420p ~12 Mbit/s GOP 60 + AAC 128 kbit/s stereo; ${RUNS} runs each; ${process.version}\n`,
  );
  console.log('| step | median wall ms | min | max | x ffmpeg (wall) | median CPU ms | x ffmpeg (CPU) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const med = median(r.ms);
    const cpu = median(r.cpu);
    console.log(
      `| ${r.name} | ${med.toFixed(0)} | ${Math.min(...r.ms).toFixed(0)} | ${Math.max(...r.ms).toFixed(0)} | ${(med / base).toFixed(2)} | ${cpu.toFixed(0)} | ${(cpu / baseCpu).toFixed(2)} |`,
    );
  }
  console.log(
    `\nframes decoded for 15 + 15 samples of ${stats.frameCount}: ${stats.framesDecoded} with non-reference skipping (${stats.passes} pass)`,
  );
  console.log(`frames decoded for the 1.5 s window: ${windowStats.framesDecoded}`);
  console.log(
    `peak RSS of a fresh process: probe only ${mem.probe5.toFixed(0)} MiB; probe + decode (15 @ 256 + 15 @ 480) 5 s clip ${mem.decode5.toFixed(0)} MiB, 10 s clip ${mem.decode10.toFixed(0)} MiB`,
  );
}

async function memChild(path: string, what: string): Promise<void> {
  const info = await probeVideo(path, LIMITS);
  if (what === 'decode') {
    const idx = evenlySpacedIndices(info.frameCount, 15);
    await decodeFrames(path, info, [
      { indices: idx, maxSide: 256 },
      { indices: idx, maxSide: 480 },
    ]);
  }
  console.log(`maxrss=${process.resourceUsage().maxRSS}`);
}

const memArg = process.argv.indexOf('--mem');
if (memArg > 0) await memChild(process.argv[memArg + 1], process.argv[memArg + 2]);
else await main();
