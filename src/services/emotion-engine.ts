import { AppError } from '../errors.js';
import type { Emotion5, PredictionResult } from '../jobs/clip-job.types.js';
import type { RgbFrame } from '../media/types.js';
import { basename } from 'node:path';
import {
  buildSeedInput,
  EMOTIMESH_CLASSES,
  loadEmotiMesh,
  SEED_STEPS,
  type EmotiMeshModel,
} from '../vision/emotimesh/index.js';
import {
  ANALYSIS_MAX_SIDE,
  createEmotionPipeline,
  poolClip,
  steadyFaceSquare,
  type EmotionPipeline,
  type FrameAnalysis,
} from '../vision/index.js';
import { EMOTIONS } from '../jobs/clip-job.types.js';
import type { CropRect } from './boomerang-plan.js';

/** What the emotion model says about one clip, plus what thumbnails need from it. */
export interface ClipEmotion {
  prediction: PredictionResult;
  /**
   * A square around the face, steady across frames, as fractions of the analysed frame
   * (so it applies to any decode size of the same clip).
   */
  faceSquare?: CropRect;
}

export interface EmotionEngine {
  /** Long side, in pixels, of the frames the models want. */
  frameMaxSide: number;
  /** @throws AppError no_face when no analysed frame has a face. */
  analyze(frames: RgbFrame[]): Promise<ClipEmotion>;
}

export const DEFAULT_MODEL_NAME = 'facemesh-fer-v1';

let engine: Promise<EmotionEngine> | undefined;

/** The process's emotion engine, loaded once and kept warm. */
export function getEmotionEngine(): Promise<EmotionEngine> {
  engine ??= loadEmotionEngine().catch((err: unknown) => {
    engine = undefined;
    throw err;
  });
  return engine;
}

/**
 * Chosen by the parent process through the environment: EMOTHUMB_MODEL (default,
 * emotimesh, ensemble) and EMOTHUMB_MODEL_FILE (a checkpoint already downloaded and
 * verified at start-up).
 */
async function loadEmotionEngine(): Promise<EmotionEngine> {
  const choice = process.env.EMOTHUMB_MODEL ?? 'default';
  const pipeline = await createEmotionPipeline();
  const base = new DefaultEmotionEngine(pipeline);
  if (choice === 'default') return base;
  const file = process.env.EMOTHUMB_MODEL_FILE;
  if (!file) throw new Error(`EMOTHUMB_MODEL=${choice} needs EMOTHUMB_MODEL_FILE`);
  const emotimesh = await loadEmotiMesh(file);
  if (choice === 'emotimesh') return new EmotiMeshEngine(base, emotimesh, 0);
  if (choice === 'ensemble') return new EmotiMeshEngine(base, emotimesh, 0.5);
  throw new Error(`unknown EMOTHUMB_MODEL ${choice}`);
}

/** Face mesh + expression models (SPEC section 3, default pipeline). */
class DefaultEmotionEngine implements EmotionEngine {
  readonly frameMaxSide = ANALYSIS_MAX_SIDE;

  constructor(readonly pipeline: EmotionPipeline) {}

  async analyze(frames: RgbFrame[]): Promise<ClipEmotion> {
    return this.fromAnalysis(frames, await this.pipeline.analyzeFrames(frames));
  }

  /** Pools per-frame results into the clip answer (shared with the EmotiMesh engine). */
  fromAnalysis(frames: RgbFrame[], analysed: FrameAnalysis[]): ClipEmotion {
    const pooled = poolClip(analysed, this.pipeline.calibration);
    if (!pooled) throw new AppError('no_face');
    // poolClip's timeline has one entry per frame with a face, in frame order.
    let next = 0;
    const prediction: PredictionResult = {
      emotion: pooled.emotion,
      confidence: pooled.confidence,
      probabilities: pooled.probabilities as Record<Emotion5, number>,
      frames_analyzed: pooled.frames_analyzed,
      frames_with_face: pooled.frames_with_face,
      // Every analysed frame appears; frames without a face say so with nulls.
      timeline: analysed.map((f) => {
        const point = f.probabilities !== null ? pooled.timeline[next++] : undefined;
        return {
          t: Math.round(f.t * 1000) / 1000,
          emotion: point?.emotion ?? null,
          confidence: point?.confidence ?? null,
        };
      }),
      model: DEFAULT_MODEL_NAME,
      peak_t: analysed[pooled.peakIndex]?.t ?? 0,
    };
    const first = frames[0];
    const square = first ? steadyFaceSquare(analysed, first.width, first.height) : null;
    const faceSquare =
      square && first
        ? {
            x: square.x / first.width,
            y: square.y / first.height,
            width: square.size / first.width,
            height: square.size / first.height,
          }
        : undefined;
    return { prediction, faceSquare };
  }
}

/**
 * The seed's EmotiMesh_Net on our landmarks: 15 evenly sampled frames of 468 x 3
 * MediaPipe-normalised points (a frame without a face repeats the previous one, zeros
 * before the first). With `defaultWeight` > 0 its probabilities are averaged with the
 * default pipeline's (the ensemble).
 */
class EmotiMeshEngine implements EmotionEngine {
  readonly frameMaxSide = ANALYSIS_MAX_SIDE;
  private readonly name: string;

  constructor(
    private readonly base: DefaultEmotionEngine,
    private readonly model: EmotiMeshModel,
    private readonly defaultWeight: number,
  ) {
    const file = basename(model.path);
    this.name = defaultWeight > 0 ? `ensemble(${DEFAULT_MODEL_NAME}+emotimesh:${file})` : `emotimesh:${file}`;
  }

  async analyze(frames: RgbFrame[]): Promise<ClipEmotion> {
    const analysed = await this.base.pipeline.analyzeFrames(frames);
    const clip = this.base.fromAnalysis(frames, analysed);
    const steps = this.model.info.steps ?? SEED_STEPS;
    const landmarks = resampleToSteps(
      analysed.map((f) => f.landmarks),
      steps,
    );
    const input = buildSeedInput(landmarks, this.model.info.inputSize);
    const { probabilities } = await this.model.forward([input], steps);
    const meshProbs = probabilities[0]!;
    const w = this.defaultWeight;
    const combined = EMOTIONS.map((e) => {
      const meshIndex = EMOTIMESH_CLASSES.indexOf(e);
      return (1 - w) * (meshProbs[meshIndex] ?? 0) + w * clip.prediction.probabilities[e];
    });
    let best = 0;
    combined.forEach((p, k) => {
      if (p > combined[best]!) best = k;
    });
    const emotion = EMOTIONS[best]!;
    return {
      faceSquare: clip.faceSquare,
      prediction: {
        ...clip.prediction,
        emotion,
        confidence: Math.round(combined[best]! * 10_000) / 10_000,
        probabilities: Object.fromEntries(EMOTIONS.map((e, k) => [e, combined[k]!])) as Record<
          Emotion5,
          number
        >,
        model: this.name,
      },
    };
  }
}

/** The seed's model takes exactly `steps` frames: pick them evenly from what was analysed. */
function resampleToSteps<T>(items: T[], steps: number): T[] {
  if (items.length === steps) return items;
  return Array.from({ length: steps }, (_, i) => items[Math.floor((i * items.length) / steps)]!);
}
