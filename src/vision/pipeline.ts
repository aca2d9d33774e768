import type { RgbFrame } from '../media/types.js';
import type { AlignedExpressionModel } from './aligned-expression.js';
import {
  loadCalibration,
  type Calibration,
  forAlignedModel,
  framePosterior,
  usesAligned,
} from './calibration.js';
import {
  ClipSession,
  type ClipProgress,
  type ModelScores,
  type NetOutputs,
  type SessionModels,
} from './clip-session.js';
import { expressiveness, mapFer7To5, type Probs5 } from './emotions.js';
import { ExpressionModel } from './expression.js';
import { FaceApiExpressionModel } from './face-api-expression.js';
import { FaceDetector } from './face-detector.js';
import { FaceMesh, MESH_POINTS, type MeshResult } from './face-mesh.js';
import { meshBounds, meshFeatures } from './geometry.js';
import { onceUnlessFailed } from './model-loader.js';

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
  /**
   * The same analysis fed frame by frame as they decode (see {@link ClipSession}); `progress`
   * hears of it as it goes (nothing it hears changes the answer).
   */
  startClip(frameCount: number, progress?: ClipProgress): ClipAnalysis;
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
    opts.alignedModelPath ? lazyAlignedModel(opts.alignedModelPath) : undefined,
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
  const alignedMargin = calibration.alignedMargin ?? 1;
  const clipFrames = everyFrame
    ? Infinity
    : usesAligned(calibration)
      ? (calibration.alignedClipFrames ?? 1)
      : 0;

  const models: SessionModels<FrameAnalysis> = {
    detector,
    mesh,
    expression,
    faceApi,
    aligned,
    margin,
    faceApiMargin,
    flip,
    faceApiFlip,
    stillFlip,
    refine,
    everyFrame,
    alignedStill,
    alignedStillFlip,
    alignedMargin,
    clipFrames,
    frameAnalysis,
    analyzeFrames,
  };
  function startClip(n: number, progress?: ClipProgress): ClipAnalysis {
    return new ClipSession(models, n, progress);
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

/**
 * The aligned model, loaded on its first run, not with the pipeline: the committed calibration
 * reads it for stills only, so a worker that sees clips never opens its session (onnxruntime
 * itself is loaded by the other nets since they run on it). The file's sha256 was checked at
 * start-up (`src/model-files/`); a failed load is retried on the next run.
 */
function lazyAlignedModel(path: string): Pick<AlignedExpressionModel, 'run' | 'views'> {
  const loaded = onceUnlessFailed(async () => {
    const { AlignedExpressionModel } = await import('./aligned-expression.js');
    return AlignedExpressionModel.create(path);
  });
  return {
    run: async (items) => (await loaded()).run(items),
    views: async (items, flip) => (await loaded()).views(items, flip),
  };
}

export { mapFer7To5 };
