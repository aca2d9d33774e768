/**
 * Emotion analysis per clip: probe + decode of the 15 frames /predict samples (the baseline,
 * measured in the same run) against decode + the whole vision pipeline (detector, mesh,
 * expression models, pooling), on a 5 s 1080p30 H.264 clip made from a dependency's sample
 * photo (cached in the temp folder).
 *
 * With the aligned expression model in MODELS_DIR (resolved as the service does) the pipeline
 * runs with and without it, interleaved run by run on the same frames, and the ratio is the
 * third view's cost per clip (its frames are those the calibration's `aligned.clipFrames` says).
 *
 *   npx tsx bench/run.ts vision
 */
import '../src/polyfills.js';

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeFrames, evenlySpacedIndices, probeVideo } from '../src/media/index.js';
import { loadConfig } from '../src/config/load-config.js';
import { preparePinnedModels } from '../src/model-files/model-setup.js';
import { loadCalibration } from '../src/vision/calibration.js';
import {
  ANALYSIS_MAX_SIDE,
  createEmotionPipeline,
  poolClip,
  type EmotionPipeline,
} from '../src/vision/index.js';
import { makeClipFromImage, SAMPLE_FACES } from '../test/helpers/clips.js';
import { withSoundTrack } from './lib/clips.js';
import { ensureFfmpeg, median } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LIMITS = { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 };

async function main(): Promise<void> {
  const silent = join(tmpdir(), 'emothumb-bench-vision-1080p-5s.mp4');
  if (!existsSync(silent)) {
    await makeClipFromImage(SAMPLE_FACES.image, silent, {
      crop: { x: 0, y: 0, width: 1920, height: 1080 },
      size: { width: 1920, height: 1080 },
      seconds: 5,
      fps: 30,
      zoom: 0.1,
    });
  }
  // With a phone's sound track (AAC), as every real upload has.
  const clip = withSoundTrack(ensureFfmpeg(), silent);
  const loadStart = performance.now();
  // BENCH_CALIBRATION: another calibration file (e.g. one whose aligned section reads clips).
  const calibration = await loadCalibration(process.env.BENCH_CALIBRATION);
  const pipeline = await createEmotionPipeline({ calibration });
  const loadMs = performance.now() - loadStart;
  const alignedModelPath = (await preparePinnedModels(loadConfig())).find((m) => m.status === 'loaded')?.path;
  const withAligned = alignedModelPath
    ? await createEmotionPipeline({ calibration, alignedModelPath })
    : undefined;

  const decode = async () => {
    const info = await probeVideo(clip, LIMITS);
    const [frames] = await decodeFrames(clip, info, [
      { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: ANALYSIS_MAX_SIDE },
    ]);
    return frames;
  };
  // warm-up: first calls compile kernels and grow the WASM heap
  const warm = await decode();
  poolClip(await pipeline.analyzeFrames(warm), pipeline.calibration);
  if (withAligned) poolClip(await withAligned.analyzeFrames(warm), withAligned.calibration);
  const infer = async (p: EmotionPipeline, frames: Awaited<ReturnType<typeof decode>>) => {
    const t = performance.now();
    const pooled = poolClip(await p.analyzeFrames(frames), p.calibration);
    return { ms: performance.now() - t, faces: pooled?.frames_with_face ?? 0 };
  };

  const decodeMs: number[] = [];
  const totalMs: number[] = [];
  const inferMs: number[] = [];
  const alignedMs: number[] = [];
  let faces = 0;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    await decode();
    decodeMs.push(performance.now() - t);

    t = performance.now();
    const frames = await decode();
    const t1 = performance.now() - t;
    // A and B alternate which goes first, so neither always runs on a warmer cache.
    const order = withAligned && r % 2 === 1 ? [withAligned, pipeline] : [pipeline, withAligned];
    for (const p of order) {
      if (!p) continue;
      const { ms, faces: f } = await infer(p, frames);
      if (p === pipeline) {
        inferMs.push(ms);
        totalMs.push(t1 + ms);
        faces = f;
      } else alignedMs.push(ms);
    }
  }
  const base = median(decodeMs);
  const row = (name: string, ms: number) => `| ${name} | ${ms.toFixed(0)} | ${(ms / base).toFixed(2)}x |`;
  console.log(
    `clip: 5 s 1080p30 H.264, 15 frames at max side ${ANALYSIS_MAX_SIDE}, ${faces}/15 frames with a face, ${RUNS} runs`,
  );
  console.log('');
  console.log('| step | median ms | vs decode |');
  console.log('|---|---:|---:|');
  console.log(row('probe + decode 15 frames (baseline)', base));
  console.log(row('inference only (detect, mesh, 2 expression nets, pool)', median(inferMs)));
  console.log(row('decode + inference (per clip)', median(totalMs)));
  if (withAligned) {
    const frames = withAligned.calibration.alignedClipFrames;
    console.log(
      row(`inference with the aligned model (${frames ?? 0} of 15 frames; same runs)`, median(alignedMs)),
    );
    console.log('');
    console.log(
      `aligned model: ${alignedModelPath}; inference ${(median(alignedMs) / median(inferMs)).toFixed(2)}x without it (medians), ` +
        `run by run ${alignedMs.map((a, i) => (a / inferMs[i]).toFixed(2)).join(' ')}`,
    );
  } else console.log('\n(no aligned expression model in MODELS_DIR: measured without it)');
  console.log('');
  console.log(
    `model load once per process: ${loadMs.toFixed(0)} ms; RSS after: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`,
  );
}

await main();
