import { AppError } from '../errors.js';
import type { RgbFrame } from '../media/types.js';
import type { PredictionResult } from '../jobs/clip-job.types.js';
import type { CropRect } from './boomerang-plan.js';

/** What the emotion model says about one clip, plus what thumbnails need from it. */
export interface ClipEmotion {
  prediction: PredictionResult;
  /** A square around the face, steady across frames, in display pixels of the source. */
  faceSquare?: CropRect;
}

export interface EmotionEngine {
  /** Long side, in pixels, of the frames the models want. */
  frameMaxSide: number;
  /** @throws AppError no_face when no analysed frame has a face. */
  analyze(frames: RgbFrame[]): Promise<ClipEmotion>;
}

let engine: Promise<EmotionEngine> | undefined;

/** The process's emotion engine, loaded once and kept warm. */
export function getEmotionEngine(): Promise<EmotionEngine> {
  engine ??= loadEmotionEngine();
  return engine;
}

async function loadEmotionEngine(): Promise<EmotionEngine> {
  throw new AppError('not_implemented', 'Emotion prediction is not available yet.');
}
