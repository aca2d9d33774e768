import { AppError } from '../errors.js';
import type { PredictionResult } from '../jobs/clip-job.types.js';
import type { RgbFrame } from '../media/types.js';
import { createEmotionPipeline } from '../vision/index.js';
import type { CropRect } from './boomerang-plan.js';
import { DefaultEmotionEngine } from './default-emotion-engine.js';

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
  if (choice === 'none') {
    // A media-only worker (the robustness tests run so): say so instead of failing with a 500.
    throw new AppError('not_implemented', 'This server runs without an emotion model (EMOTHUMB_MODEL=none).');
  }
  const pipeline = await createEmotionPipeline();
  const base = new DefaultEmotionEngine(pipeline);
  if (choice === 'default') return base;
  const file = process.env.EMOTHUMB_MODEL_FILE;
  if (!file) throw new Error(`EMOTHUMB_MODEL=${choice} needs EMOTHUMB_MODEL_FILE`);
  if (choice !== 'emotimesh' && choice !== 'ensemble') throw new Error(`unknown EMOTHUMB_MODEL ${choice}`);
  // onnxruntime is loaded only when a checkpoint is configured: the default worker stays smaller.
  const { loadEmotiMesh } = await import('../vision/emotimesh/index.js');
  const { EmotiMeshEngine } = await import('./emotimesh-engine.js');
  return new EmotiMeshEngine(base, await loadEmotiMesh(file), choice === 'ensemble' ? 0.5 : 0);
}
