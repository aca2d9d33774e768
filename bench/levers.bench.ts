/**
 * The speed levers of the clip job, each measured in one run on the phone-like clip
 * (5 s 1080p30 H.264 High, 1 s GOP, no B-frames, ~12 Mbit/s, AAC): `processClip` run
 * in this process for /predict, /thumbnail (whole clip, no crop) and /analyze (peak
 * anchor, face crop), interleaved with `ffmpeg -i clip -an -f null -`, medians.
 * Levers: the model's frames moved next to keyframes, the deblocking filter skipped
 * for them, and the models in a thread of their own (decoding and inference side by side).
 * Their effect on accuracy: `npm run eval -- ... [--even-sampling] [--loop-filter]`.
 *
 *   npm run bench -- levers
 */
import '../src/polyfills.js';

import type { ClipJobRequest, DecodePlan } from '../src/jobs/clip-job.types.js';
import { processClip } from '../src/services/clip-processor.js';
import { loadCalibration } from '../src/vision/calibration.js';
import { EngineCache } from '../src/vision/engines/factory.js';
import { faceClip, phoneLikeClip } from './lib/clips.js';
import { ensureFfmpeg, ffmpegVideoDecodeMs, median } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ffmpeg = ensureFfmpeg();
const clip = phoneLikeClip(ffmpeg, await faceClip(5));
const engine = { model: 'default' as const, calibration: await loadCalibration() };
const limits = { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 };
const thumbnail = { durationSec: 3, format: 'mp4' as const, maxSize: 480 };
const JOBS: Record<string, Omit<ClipJobRequest, 'inputPath' | 'limits' | 'predictFrames' | 'engine'>> = {
  '/predict': { predict: true },
  '/thumbnail': { predict: false, thumbnail: { ...thumbnail, crop: 'none', anchor: 'whole' } },
  '/analyze': { predict: true, thumbnail: { ...thumbnail, crop: 'face', anchor: 'peak' } },
};
const SETUPS: { name: string; plan: DecodePlan; threaded: boolean }[] = [
  {
    name: 'none (seed sampling, full decode of each group up to its last wanted frame)',
    plan: { nearKeyframes: false, skipLoopFilter: false },
    threaded: false,
  },
  {
    name: '+ model frames next to keyframes',
    plan: { nearKeyframes: true, skipLoopFilter: false },
    threaded: false,
  },
  {
    name: '+ no deblocking for model frames',
    plan: { nearKeyframes: true, skipLoopFilter: true },
    threaded: false,
  },
  {
    name: '+ models in their own thread (the service)',
    plan: { nearKeyframes: true, skipLoopFilter: true },
    threaded: true,
  },
];
const caches = { plain: new EngineCache(false), threaded: new EngineCache(true) };
const run = (job: keyof typeof JOBS, plan: DecodePlan, threaded: boolean) =>
  processClip(
    { inputPath: clip, limits, predictFrames: 15, engine, decodePlan: plan, ...JOBS[job] },
    threaded ? caches.threaded : caches.plain,
  );

for (const s of SETUPS) for (const job of Object.keys(JOBS)) await run(job, s.plan, s.threaded); // warm-up
const times: Record<string, number[]> = {};
const add = (k: string, v: number): void => void (times[k] ??= []).push(v);
for (let i = 0; i < RUNS; i++) {
  add('ffmpeg', ffmpegVideoDecodeMs(ffmpeg, clip));
  for (const s of SETUPS) {
    for (const job of Object.keys(JOBS)) {
      const t = performance.now();
      await run(job, s.plan, s.threaded);
      add(`${s.name}|${job}`, performance.now() - t);
    }
  }
}
const base = median(times.ffmpeg!);
console.log(`clip: ${clip}; ${RUNS} runs; \`ffmpeg -i clip -an -f null -\` ${base.toFixed(0)} ms (1.00x)\n`);
console.log('| levers on | /predict | /thumbnail | /analyze |');
console.log('|---|---:|---:|---:|');
for (const s of SETUPS) {
  const cell = (job: string): string => {
    const m = median(times[`${s.name}|${job}`]!);
    return `${m.toFixed(0)} ms (${(m / base).toFixed(2)}x)`;
  };
  console.log(`| ${s.name} | ${cell('/predict')} | ${cell('/thumbnail')} | ${cell('/analyze')} |`);
}
process.exit(0);
