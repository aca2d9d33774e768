import type { RgbFrame } from '../media/types.js';
import type { AlignedExpressionModel } from './aligned-expression.js';
import {
  loadCalibration,
  type Calibration,
  forAlignedModel,
  framePosterior,
  usesAligned,
} from './calibration.js';
import { alignedClipView, alignedFramePicks } from './clip-features.js';
import { expressiveness, mapFer7To5, type Probs5 } from './emotions.js';
import { ExpressionModel } from './expression.js';
import { FaceApiExpressionModel } from './face-api-expression.js';
import { FaceDetector, type Detection } from './face-detector.js';
import { FaceMesh, MESH_POINTS, type MeshResult } from './face-mesh.js';
import { alignedFaceCrop } from './face-align.js';
import { expressionCrop, meshBounds, meshCropFromPoints, meshFeatures } from './geometry.js';
import type { CropSpec } from './image-ops.js';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the models saw in one frame, before calibration: the input of `calibrate`. */
export interface FrameFeatures {
  /** FER2013 probabilities (angry, disgust, fear, happy, sad, surprise, neutral), crop (and mirror, when the calibration says so) averaged. */
  p7: number[];
  /** face-api expression net, in the same FER7 order, crop (and mirror, when the calibration says so) averaged. */
  q7: number[];
  /** Geometric measurements from the mesh, see GEOMETRY_FEATURES. */
  geometry: number[];
  /** FER model's pooled last feature map (its embedding). */
  ef?: number[];
  /** face-api net's pooled last feature map. */
  ea?: number[];
  /**
   * The aligned expression model's 7 logits (the third view), when it is loaded and the
   * calibration reads it; in a clip, the mean over the frames it saw (see `alignedClipView`).
   */
  m7?: number[];
  /** One-frame inputs with `stillFlip`: both nets averaged over the crop and its mirror image. */
  mirrored?: { p7: number[]; q7: number[]; ef: number[]; ea: number[]; m7?: number[] };
}

interface NetOutputs {
  p7: Float32Array;
  q7: Float32Array;
  ef: Float32Array;
  ea: Float32Array;
  m7?: ArrayLike<number>;
}

interface ModelScores extends NetOutputs {
  mirrored?: NetOutputs;
}

/** Net outputs as plain arrays, embeddings rounded (what the cache and the fit see). */
function plainOutputs(e: NetOutputs): {
  p7: number[];
  q7: number[];
  ef: number[];
  ea: number[];
  m7?: number[];
} {
  return {
    p7: Array.from(e.p7),
    q7: Array.from(e.q7),
    ef: Array.from(e.ef, round4),
    ea: Array.from(e.ea, round4),
    ...(e.m7 ? { m7: Array.from(e.m7) } : {}),
  };
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

export interface FrameAnalysis {
  /** Presentation time of the frame, seconds. */
  t: number;
  /** Largest face, box around its mesh in source pixels; null when no face. */
  face: { box: FaceBox; score: number } | null;
  /** 468 x (x, y, z) in MediaPipe's normalised convention: x / width, y / height, z / width. */
  landmarks: Float32Array | null;
  /** Calibrated per-frame probabilities in EMOTIONS5 order. */
  probabilities: Probs5 | null;
  /** How far from neutral the face looks, in [0, 1] (1 - calibrated P(Neutral)). */
  expressiveness: number;
  features: FrameFeatures | null;
}

export interface EmotionPipelineOptions {
  /** Calibration layer; defaults to the committed one. */
  calibration?: Calibration;
  /** Side of the expression crop relative to the mesh extent. */
  expressionMargin?: number;
  /** Re-run the mesh on a crop derived from its own first pass (better landmarks, +1 mesh batch). */
  refineMesh?: boolean;
  /**
   * The aligned expression model's file (resolved and checked by `src/model-files/`). Absent:
   * the pipeline runs on the two small nets and the calibration's layers fitted without it.
   */
  alignedModelPath?: string;
  /**
   * Feature extraction for `eval` and `calibrate`: the aligned model sees every frame with a
   * face (and the mirror image of a still, with `stillFlip`), whatever the calibration reads,
   * and each frame keeps its own logits; pooling picks the clip's frames (`alignedClipView`).
   */
  alignedEveryFrame?: boolean;
}

export interface EmotionPipeline {
  /** The calibration applied: the aligned model's layers when it is loaded (`forAlignedModel`). */
  readonly calibration: Calibration;
  /** Whether the aligned expression model (the third view) is loaded. */
  readonly alignedModel: boolean;
  analyzeFrames(frames: RgbFrame[]): Promise<FrameAnalysis[]>;
  /** The same analysis fed frame by frame as they decode (see the implementation's notes). */
  startClip(frameCount: number): ClipAnalysis;
}

/** One clip's analysis in progress. */
export interface ClipAnalysis {
  /** Frame at position `i` (0-based, of `frameCount`) has arrived; work on it may start now. */
  add(i: number, frame: RgbFrame): void;
  /** All frames, final: finishes the analysis (positions whose frame changed are redone). */
  finish(frames: RgbFrame[]): Promise<FrameAnalysis[]>;
  /** The clip will not be finished (its decode failed): drop the work, swallow its errors. */
  abandon(): void;
}

/** Below this mesh presence score the frame counts as having no face. */
const MIN_MESH_CONFIDENCE = 0.5;
/** At most this many detector runs per clip: the detector is the slowest model per call. */
const MAX_DETECTIONS = 8;
/** Detection passes per frame: the plain frame, then the frame shrunk inside a border. */
const DETECTION_PADS = [0, 1.3];

function cropFromDetection(d: Detection): CropSpec {
  // Eye keypoints give the roll; order them left-to-right in the image.
  let [a, b] = [d.keypoints[0], d.keypoints[1]];
  if (a[0] > b[0]) [a, b] = [b, a];
  return {
    cx: d.x + d.width / 2,
    cy: d.y + d.height / 2,
    size: Math.max(d.width, d.height) * 1.5,
    angle: Math.atan2(b[1] - a[1], b[0] - a[0]),
  };
}

/** Order in which frames get the detector: the middle first, then the ends, then between. */
function detectionOrder(n: number): number[] {
  const order = [Math.floor((n - 1) / 2), 0, n - 1, Math.floor((n - 1) / 4), Math.floor((3 * (n - 1)) / 4)];
  const seen = new Set<number>();
  return order.filter((i) => i >= 0 && i < n && !seen.has(i) && seen.add(i) !== undefined);
}

/**
 * Face detection -> 468-point mesh -> two expression models, per frame, batched per clip.
 * The detector runs on few frames (middle first, plain then padded); the mesh of that frame
 * gives a levelled face crop every other frame starts from; frames the mesh rejects get their
 * own detection. Frames are independent: nothing is cached or smoothed between calls.
 *
 * @example
 * const pipeline = await createEmotionPipeline();
 * const frames = await pipeline.analyzeFrames(rgbFrames);
 * const clip = poolClip(frames, pipeline.calibration);
 */
export async function createEmotionPipeline(opts: EmotionPipelineOptions = {}): Promise<EmotionPipeline> {
  const [detector, mesh, expression, faceApi, aligned] = await Promise.all([
    FaceDetector.create(),
    FaceMesh.create(),
    ExpressionModel.create(),
    FaceApiExpressionModel.create(),
    opts.alignedModelPath ? loadAlignedModel(opts.alignedModelPath) : undefined,
  ]);
  const calibration = forAlignedModel(opts.calibration ?? (await loadCalibration()), aligned !== undefined);
  const margin = opts.expressionMargin ?? calibration.expressionMargin;
  const faceApiMargin = calibration.faceApiMargin;
  const flip = calibration.flipAverage ?? false;
  const faceApiFlip = calibration.faceApiFlip ?? flip;
  const stillFlip = calibration.stillFlip ?? false;
  const refine = opts.refineMesh ?? calibration.refineMesh ?? true;
  const everyFrame = opts.alignedEveryFrame === true && aligned !== undefined;
  // Which inputs the aligned model sees: a still when a layer it is scored by reads it, a clip's
  // frames when the main layer does (`alignedClipFrames` of them).
  const alignedStill =
    aligned !== undefined && (everyFrame || usesAligned(calibration) || usesAligned(calibration.still));
  const alignedStillFlip = stillFlip && (everyFrame || usesAligned(calibration.still));
  const clipFrames = everyFrame
    ? Infinity
    : usesAligned(calibration)
      ? (calibration.alignedClipFrames ?? 1)
      : 0;

  /**
   * One clip's analysis, fed frame by frame. Once the middle frame is in and gives a
   * face and a seed crop, every frame that has arrived is meshed and scored while the
   * rest are still decoding; `finish` does what is left. Without a seed from the
   * middle frame, everything waits for `finish` and runs as one batch (the detector
   * then tries the ends and quarter points too). Per frame the work is the same
   * either way; only the order in which a clip spends its detector budget on frames
   * the mesh rejects follows their arrival.
   */
  function startClip(n: number): ClipAnalysis {
    const frames: (RgbFrame | undefined)[] = new Array<RgbFrame | undefined>(n);
    const detections = new Map<number, Detection>();
    const attempts = new Map<number, number>();
    const meshes: (MeshResult | null)[] = new Array<MeshResult | null>(n).fill(null);
    const scores = new Map<number, ModelScores>();
    const ownDetection = new Set<number>();
    const done = new Set<number>();
    const middle = Math.floor((n - 1) / 2);
    let detectorRuns = 0;
    let seed: CropSpec | undefined;
    let seedTried = false;
    /** 'pending' until the middle frame is tried; 'stream' when its seed lets frames go as they come. */
    let mode: 'pending' | 'stream' | 'batch' = 'pending';
    let chain: Promise<void> = Promise.resolve();
    let failure: unknown;
    const enqueue = (work: () => Promise<void>): void => {
      chain = chain.then(async () => {
        if (failure === undefined) await work();
      });
      chain = chain.catch((err: unknown) => {
        failure ??= err;
      });
    };

    /** Next detection attempt for frame i (plain, then padded); false when none is left. */
    const detectAt = async (i: number): Promise<boolean> => {
      for (let k = attempts.get(i) ?? 0; k < DETECTION_PADS.length; k++) {
        if (detectorRuns >= MAX_DETECTIONS) return false;
        detectorRuns++;
        attempts.set(i, k + 1);
        const d = await detector.detectLargest(frames[i]!, DETECTION_PADS[k]);
        if (d) {
          detections.set(i, d);
          return true;
        }
      }
      return false;
    };
    const nearestDetection = (i: number): Detection | undefined => {
      let best: Detection | undefined;
      let bestDist = Infinity;
      for (const [j, d] of detections) {
        if (Math.abs(j - i) < bestDist) {
          best = d;
          bestDist = Math.abs(j - i);
        }
      }
      return best;
    };
    /**
     * Seed crop: the mesh of the detected frame, levelled and centred on its own points,
     * frames a face better than the detector's box; selfie clips move little between the
     * sampled frames, so every frame starts from it (one mesh batch instead of two).
     */
    const makeSeed = async (): Promise<void> => {
      if (seedTried) return;
      seedTried = true;
      const first = [...detections][0];
      if (first && refine) {
        const [r] = await mesh.run([{ frame: frames[first[0]]!, crop: cropFromDetection(first[1]) }]);
        if (r.confidence >= MIN_MESH_CONFIDENCE) seed = meshCropFromPoints(r.points);
      }
    };
    /**
     * Mesh and score frames `ids` from the seed (or the nearest detection). Where the mesh
     * rejects the crop, detect on that frame itself (padded after plain: a face filling the
     * picture fools BlazeFace into a small box on part of it), mesh again, then refine it.
     */
    const processFrames = async (ids: number[]): Promise<void> => {
      for (const i of ids) done.add(i);
      const toRefine: number[] = [];
      let pending = detections.size > 0 ? ids : [];
      while (pending.length > 0) {
        const batch = pending.map((i) => {
          const fromSeed = seed !== undefined && !ownDetection.has(i);
          return {
            i,
            fromSeed,
            frame: frames[i]!,
            crop: fromSeed ? seed! : cropFromDetection(nearestDetection(i)!),
          };
        });
        const results = await mesh.run(batch);
        const retry: number[] = [];
        for (let k = 0; k < results.length; k++) {
          const i = batch[k].i;
          if (results[k].confidence >= MIN_MESH_CONFIDENCE) {
            meshes[i] = results[k];
            if (!batch[k].fromSeed) toRefine.push(i);
          } else if (await detectAt(i)) {
            ownDetection.add(i);
            retry.push(i);
          }
        }
        pending = retry;
      }
      if (refine && toRefine.length > 0) {
        const batch = toRefine.map((i) => ({
          frame: frames[i]!,
          crop: meshCropFromPoints(meshes[i]!.points),
        }));
        const results = await mesh.run(batch);
        results.forEach((r, k) => {
          if (r.confidence >= MIN_MESH_CONFIDENCE) meshes[toRefine[k]] = r;
        });
      }
      const withFace = ids.filter((i) => meshes[i] !== null);
      // Both expression models on aligned crops (optionally with mirror images), batched.
      const ferCrops = withFace.map((i) => ({
        frame: frames[i]!,
        crop: expressionCrop(meshes[i]!.points, margin),
      }));
      const faceApiCrops = withFace.map((i) => ({
        frame: frames[i]!,
        crop: expressionCrop(meshes[i]!.points, faceApiMargin),
      }));
      const expr = await expression.run(ferCrops, flip);
      const expr2 = await faceApi.run(faceApiCrops, faceApiFlip);
      // A still image: the still-image layer also gets both nets mirror-averaged (one more
      // pass of the two small nets on one crop).
      const mirror =
        n === 1 && stillFlip && withFace.length > 0
          ? await Promise.all([expression.run(ferCrops, true), faceApi.run(faceApiCrops, true)])
          : undefined;
      // The third view of a still now; a clip's frames once all are in (`alignedForClip`).
      const still = n === 1 && alignedStill && withFace.length > 0;
      const alignedCrops = still
        ? withFace.map((i) => ({ frame: frames[i]!, crop: alignedFaceCrop(meshes[i]!.points) }))
        : [];
      const m7 = still ? await aligned!.run(alignedCrops) : undefined;
      const m7Mirror = still && alignedStillFlip ? await aligned!.run(alignedCrops, true) : undefined;
      withFace.forEach((i, k) =>
        scores.set(i, {
          p7: expr[k].probs,
          q7: expr2[k].probs,
          ef: expr[k].embedding,
          ea: expr2[k].embedding,
          ...(m7 ? { m7: m7[k] } : {}),
          ...(mirror
            ? {
                mirrored: {
                  p7: mirror[0][k].probs,
                  q7: mirror[1][k].probs,
                  ef: mirror[0][k].embedding,
                  ea: mirror[1][k].embedding,
                  ...(m7Mirror ? { m7: m7Mirror[k] } : {}),
                },
              }
            : {}),
        }),
      );
    };
    /**
     * A clip's aligned view, once every frame is meshed: the model sees `clipFrames` of the
     * frames with a face, spread evenly, and each of them reads their mean (`alignedClipView`,
     * which `eval` applies to cached per-frame logits the same way).
     */
    const alignedForClip = async (): Promise<void> => {
      if (n === 1 || clipFrames === 0) return;
      const faced = [...scores.keys()].sort((a, b) => a - b);
      const picks = alignedFramePicks(faced.length, clipFrames).map((j) => faced[j]);
      const logits = await aligned!.run(
        picks.map((i) => ({ frame: frames[i]!, crop: alignedFaceCrop(meshes[i]!.points) })),
      );
      picks.forEach((i, k) => (scores.get(i)!.m7 = logits[k]));
      if (everyFrame) return;
      const view = alignedClipView(
        faced.map((i) => ({ geometry: [], ...scores.get(i)! })),
        clipFrames,
      );
      faced.forEach((i, k) => (scores.get(i)!.m7 = view[k]!.m7));
    };
    const arrivedNotDone = (): number[] => {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) if (frames[i] && !done.has(i)) ids.push(i);
      return ids;
    };

    return {
      add(i: number, frame: RgbFrame): void {
        if (i < 0 || i >= n || frames[i]) return;
        frames[i] = frame;
        if (i === middle && mode === 'pending') {
          enqueue(async () => {
            // 1. The middle frame first (plain, then padded).
            if ((await detectAt(middle)) && (await makeSeed(), seed !== undefined)) mode = 'stream';
            else mode = 'batch';
          });
        }
        if (mode !== 'batch') {
          enqueue(async () => {
            if (mode === 'stream') {
              const ids = arrivedNotDone();
              if (ids.length > 0) await processFrames(ids);
            }
          });
        }
      },
      async finish(final: RgbFrame[]): Promise<FrameAnalysis[]> {
        if (final.length !== n) throw new RangeError(`finish: expected ${n} frames, got ${final.length}`);
        await chain;
        if (failure !== undefined) throw failure;
        if (mode === 'stream' && frames[middle] !== final[middle]) {
          // The seed came from a frame that is not the final one: start over as one batch.
          return analyzeFrames(final);
        }
        // A position whose final frame is not the one that arrived is analysed again.
        for (let i = 0; i < n; i++) {
          if (frames[i] !== final[i]) {
            done.delete(i);
            meshes[i] = null;
            scores.delete(i);
          }
          frames[i] = final[i];
        }
        if (mode !== 'stream') {
          // 1. Find a face somewhere: the middle frame first, then the ends. 2. The seed.
          if (detections.size === 0) for (const i of detectionOrder(n)) if (await detectAt(i)) break;
          await makeSeed();
          // 3-4. Mesh and score every frame as one batch.
          done.clear();
        }
        const rest = arrivedNotDone();
        if (rest.length > 0) await processFrames(rest);
        await alignedForClip();
        return final.map((frame, i) => frameAnalysis(frame, meshes[i], scores.get(i)));
      },
      abandon(): void {
        failure ??= new Error('abandoned');
        chain.catch(() => undefined);
      },
    };
  }

  function frameAnalysis(frame: RgbFrame, m: MeshResult | null, e: ModelScores | undefined): FrameAnalysis {
    if (!m || !e)
      return {
        t: frame.t,
        face: null,
        landmarks: null,
        probabilities: null,
        expressiveness: 0,
        features: null,
      };
    const landmarks = new Float32Array(MESH_POINTS * 3);
    for (let p = 0; p < MESH_POINTS; p++) {
      landmarks[p * 3] = m.points[p * 3] / frame.width;
      landmarks[p * 3 + 1] = m.points[p * 3 + 1] / frame.height;
      landmarks[p * 3 + 2] = m.points[p * 3 + 2] / frame.width;
    }
    const { p7, q7, ef, ea, m7 } = plainOutputs(e);
    const features: FrameFeatures = {
      p7,
      q7,
      geometry: meshFeatures(m.points),
      ef,
      ea,
      ...(m7 ? { m7 } : {}),
      ...(e.mirrored ? { mirrored: plainOutputs(e.mirrored) } : {}),
    };
    const probabilities = framePosterior(features, calibration);
    return {
      t: frame.t,
      face: { box: meshBounds(m.points), score: m.confidence },
      landmarks,
      probabilities,
      expressiveness: expressiveness(probabilities),
      features,
    };
  }

  function analyzeFrames(frames: RgbFrame[]): Promise<FrameAnalysis[]> {
    const clip = startClip(frames.length);
    frames.forEach((f, i) => clip.add(i, f));
    return clip.finish(frames);
  }

  return { calibration, alignedModel: aligned !== undefined, analyzeFrames, startClip };
}

/** onnxruntime (and the model) load only when a pipeline is given the aligned model's file. */
async function loadAlignedModel(path: string): Promise<AlignedExpressionModel> {
  const { AlignedExpressionModel } = await import('./aligned-expression.js');
  return AlignedExpressionModel.create(path);
}

export { mapFer7To5 };
