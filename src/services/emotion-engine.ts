import { AppError } from '../errors.js';
import type { Emotion5, PredictionResult } from '../jobs/clip-job.types.js';
import type { RgbFrame } from '../media/types.js';
import { ANALYSIS_MAX_SIDE, createEmotionPipeline, poolClip, steadyFaceSquare, type EmotionPipeline } from '../vision/index.js';
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

async function loadEmotionEngine(): Promise<EmotionEngine> {
  const pipeline = await createEmotionPipeline();
  return new DefaultEmotionEngine(pipeline);
}

/** Face mesh + expression models (SPEC section 3, default pipeline). */
class DefaultEmotionEngine implements EmotionEngine {
  readonly frameMaxSide = ANALYSIS_MAX_SIDE;

  constructor(private readonly pipeline: EmotionPipeline) {}

  async analyze(frames: RgbFrame[]): Promise<ClipEmotion> {
    const analysed = await this.pipeline.analyzeFrames(frames);
    const pooled = poolClip(analysed, this.pipeline.calibration);
    if (!pooled) throw new AppError('no_face');
    const byT = new Map(pooled.timeline.map((p) => [p.t, p]));
    const prediction: PredictionResult = {
      emotion: pooled.emotion,
      confidence: pooled.confidence,
      probabilities: pooled.probabilities as Record<Emotion5, number>,
      frames_analyzed: pooled.frames_analyzed,
      frames_with_face: pooled.frames_with_face,
      // Every analysed frame appears; frames without a face say so with nulls.
      timeline: analysed.map((f) => {
        const point = byT.get(f.t);
        return { t: Math.round(f.t * 1000) / 1000, emotion: point?.emotion ?? null, confidence: point?.confidence ?? null };
      }),
      model: DEFAULT_MODEL_NAME,
      peak_t: analysed[pooled.peakIndex]?.t ?? 0,
    };
    const first = frames[0];
    const square = first ? steadyFaceSquare(analysed, first.width, first.height) : null;
    const faceSquare =
      square && first
        ? { x: square.x / first.width, y: square.y / first.height, width: square.size / first.width, height: square.size / first.height }
        : undefined;
    return { prediction, faceSquare };
  }
}
