import '../../src/polyfills.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, probeVideo } from '../../src/media/index.js';
import type { RgbFrame } from '../../src/media/types.js';
import {
  ANALYSIS_MAX_SIDE,
  createEmotionPipeline,
  poolClip,
  type EmotionPipeline,
} from '../../src/vision/index.js';
import { ALIGNED_EXPRESSION_MODEL } from '../../src/model-files/pinned-models.js';
import { ALIGNED_CLASSES } from '../../src/vision/aligned-classes.js';
import { featureNames, loadCalibration, type Calibration, type Layer } from '../../src/vision/calibration.js';
import { alignedClipView } from '../../src/vision/clip-features.js';
import { argmax, EMOTIONS5 } from '../../src/vision/emotions.js';

const require = createRequire(import.meta.url);
const faceApiDemo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

async function still(path: string): Promise<RgbFrame> {
  const info = await probeVideo(path, { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 1 });
  const [frames] = await decodeFrames(path, info, [{ indices: [0], maxSide: ANALYSIS_MAX_SIDE }], {
    minFrames: 1,
  });
  return frames[0];
}

/** A face-free picture: smooth colour gradients with some texture. */
function noFaceFrame(width = 320, height = 240): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = (x * 255) / width;
      data[p + 1] = (y * 255) / height;
      data[p + 2] = 128 + 60 * Math.sin(x / 9) * Math.cos(y / 13);
    }
  }
  return { index: 0, t: 0, width, height, data };
}

describe('emotion pipeline on real faces', () => {
  let pipeline: EmotionPipeline;
  beforeAll(async () => {
    pipeline = await createEmotionPipeline();
  });

  it('a plainly smiling face (face-api sample6) comes out Happy, with a 468-point mesh', async () => {
    const frame = await still(join(faceApiDemo, 'sample6.jpg'));
    const [analysis] = await pipeline.analyzeFrames([frame]);
    expect(analysis.face).not.toBeNull();
    expect(analysis.landmarks).toHaveLength(1404);
    // MediaPipe convention: x, y normalised to the frame, so inside [0, 1] for a face in view.
    const xs = Array.from(analysis.landmarks!).filter((_, i) => i % 3 === 0);
    expect(Math.min(...xs)).toBeGreaterThan(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const box = analysis.face!.box;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(frame.width + 1);
    const clip = poolClip([analysis], pipeline.calibration)!;
    expect(clip.emotion).toBe('Happy');
    expect(clip.confidence).toBeGreaterThan(0.5);
  });

  it('stillFlip: a one-frame input also carries the mirror-averaged net outputs; a clip does not', async () => {
    const frame = await still(join(faceApiDemo, 'sample6.jpg'));
    const cal = { ...pipeline.calibration, flipAverage: false, faceApiFlip: false };
    const plain = await createEmotionPipeline({ calibration: { ...cal, stillFlip: false } });
    const averaged = await createEmotionPipeline({
      calibration: { ...cal, stillFlip: false, flipAverage: true, faceApiFlip: true },
    });
    const withMirror = await createEmotionPipeline({ calibration: { ...cal, stillFlip: true } });
    const [one] = await withMirror.analyzeFrames([frame]);
    const [ref] = await plain.analyzeFrames([frame]);
    const [avg] = await averaged.analyzeFrames([frame]);
    const { mirrored, ...own } = one.features!;
    expect(own).toEqual(ref.features);
    expect(mirrored).toEqual({
      p7: avg.features!.p7,
      q7: avg.features!.q7,
      ef: avg.features!.ef,
      ea: avg.features!.ea,
    });
    const clip = await withMirror.analyzeFrames([frame, { ...frame, t: 0.1 }]);
    expect(clip[0].features!.mirrored).toBeUndefined();
  });

  it('gives no face for a face-free frame, and a clip of them pools to null', async () => {
    const frames = [noFaceFrame(), { ...noFaceFrame(), index: 1, t: 0.5 }];
    const analysis = await pipeline.analyzeFrames(frames);
    expect(analysis.map((a) => a.face)).toEqual([null, null]);
    expect(analysis.map((a) => a.probabilities)).toEqual([null, null]);
    expect(poolClip(analysis, pipeline.calibration)).toBeNull();
  });

  it('analyses a 15-frame clip with one face throughout, batched', async () => {
    const frame = await still(join(faceApiDemo, 'sample6.jpg'));
    const frames = Array.from({ length: 15 }, (_, i) => ({ ...frame, index: i, t: i / 3 }));
    const analysis = await pipeline.analyzeFrames(frames);
    expect(analysis.every((a) => a.face !== null)).toBe(true);
    const clip = poolClip(analysis, pipeline.calibration)!;
    expect(clip.frames_with_face).toBe(15);
    expect(clip.timeline).toHaveLength(15);
    expect(clip.emotion).toBe('Happy');
  });
});

describe('analysis fed frame by frame (while the rest decode)', () => {
  it('gives exactly the batch answer, also when frames arrive late, out of a yield, or are replaced at the end', async () => {
    const { makePhoneCorpus } = await import('../helpers/phone-clips.js');
    const { MediaClip } = await import('../../src/media/index.js');
    const pipeline = await createEmotionPipeline();
    const corpus = await makePhoneCorpus();
    const clip = await MediaClip.open(corpus.get('android-h264-aac')!, {
      maxPixels: 4096 * 2160,
      maxSeconds: 60,
      minFrames: 15,
    });
    const [frames] = await clip.decode([{ indices: clip.predictionIndices(15), maxSide: ANALYSIS_MAX_SIDE }]);
    const batch = await pipeline.analyzeFrames(frames);
    const session = pipeline.startClip(frames.length);
    // Frames arrive one by one with the event loop turning in between; the last one never
    // arrives and one arrives as a different object than the final one (as when a short
    // clip's tail is remapped after the pass).
    for (let i = 0; i < frames.length - 1; i++) {
      session.add(i, i === 3 ? { ...frames[i] } : frames[i]);
      await new Promise((r) => setTimeout(r, 2));
    }
    const streamed = await session.finish(frames);
    expect(streamed.map((f) => f.probabilities)).toEqual(batch.map((f) => f.probabilities));
    expect(streamed.map((f) => Array.from(f.landmarks ?? []))).toEqual(
      batch.map((f) => Array.from(f.landmarks ?? [])),
    );
  });
});

describe('the third view: the aligned expression model (MODELS_DIR from vitest.config.ts)', () => {
  const modelPath = join(process.env.MODELS_DIR!, ALIGNED_EXPRESSION_MODEL.file);
  /** A layer over `layout` whose only weight sends the aligned model's "happy" logit to `target`. */
  function alignedLayer(layout: { aligned: true; embeddings?: boolean }, target: number): Layer {
    const features = featureNames(layout);
    const weights = EMOTIONS5.map((_, k) =>
      features.map((name) => (k === target && name === 'aligned_happy' ? 10 : 0)),
    );
    return {
      features,
      mean: features.map(() => 0),
      std: features.map(() => 1),
      weights,
      bias: [0, 0, 0, 0, 0],
    };
  }

  it('is used when present: a still is scored by the aligned layers, and without the file by the old ones', async () => {
    const frame = await still(join(faceApiDemo, 'sample6.jpg'));
    const committed = await loadCalibration();
    const calibration: Calibration = {
      ...committed,
      // Deliberately absurd: a smile read by the aligned model answers Sad, so the answer shows which view it came from.
      aligned: { still: alignedLayer({ aligned: true, embeddings: true }, EMOTIONS5.indexOf('Sad')) },
    };
    const withModel = await createEmotionPipeline({ calibration, alignedModelPath: modelPath });
    const without = await createEmotionPipeline({ calibration });
    expect(withModel.alignedModel).toBe(true);
    expect(without.alignedModel).toBe(false);
    const [a] = await withModel.analyzeFrames([frame]);
    const [b] = await without.analyzeFrames([frame]);
    // The model saw the face (and its mirror image, for the still layer): it reads a smile.
    expect(a.features!.m7).toHaveLength(7);
    expect(argmax(a.features!.mirrored!.m7!)).toBe(ALIGNED_CLASSES.indexOf('happy'));
    expect(b.features!.m7).toBeUndefined();
    expect(poolClip([a], withModel.calibration)!.emotion).toBe('Sad');
    expect(poolClip([b], without.calibration)!.emotion).toBe('Happy');
  });

  it('sees only `clipFrames` of a clip, and every frame reads their mean (as eval picks them from every frame)', async () => {
    const frame = await still(join(faceApiDemo, 'sample6.jpg'));
    const mirrored = { ...frame, data: mirror(frame) };
    // Frames 0-3 the face, 4-5 its mirror image: two picks of six are frames 1 and 4.
    const frames = [frame, frame, frame, frame, mirrored, mirrored].map((f, i) => ({ ...f, index: i, t: i }));
    const committed = await loadCalibration();
    const main = alignedLayer({ aligned: true }, EMOTIONS5.indexOf('Sad'));
    const calibration: Calibration = { ...committed, aligned: { main, clipFrames: 2 } };
    const live = await createEmotionPipeline({ calibration, alignedModelPath: modelPath });
    const every = await createEmotionPipeline({
      calibration,
      alignedModelPath: modelPath,
      alignedEveryFrame: true,
    });
    const analysed = await live.analyzeFrames(frames);
    const perFrame = (await every.analyzeFrames(frames)).map((f) => f.features!);
    const mean = perFrame[1].m7!.map((v, j) => (v + perFrame[4].m7![j]) / 2);
    for (const f of analysed)
      expect(f.features!.m7!.map((v) => v.toFixed(4))).toEqual(mean.map((v) => v.toFixed(4)));
    // eval's path: the same picks from the per-frame logits.
    const view = alignedClipView(perFrame, 2);
    expect(view.map((f) => f!.m7)).toEqual(perFrame.map(() => mean));
    expect(poolClip(analysed, live.calibration)!.emotion).toBe('Sad');
  });
});

/** The frame mirrored left to right. */
function mirror(frame: RgbFrame): Uint8Array {
  const out = new Uint8Array(frame.data.length);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const from = (y * frame.width + x) * 3;
      const to = (y * frame.width + frame.width - 1 - x) * 3;
      out[to] = frame.data[from];
      out[to + 1] = frame.data[from + 1];
      out[to + 2] = frame.data[from + 2];
    }
  return out;
}
