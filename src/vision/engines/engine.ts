import type { RgbFrame } from '../../media/types.js';
import type { Calibration } from '../calibration.js';
import type { ClipProgress } from '../clip-session.js';
import type { FractionRect, Prediction } from '../prediction.js';

/** What an engine says about one clip, plus what thumbnails need from it. */
export interface ClipEmotion {
  prediction: Prediction;
  /** A square around the face, steady across frames, as fractions of the analysed frame. */
  faceSquare?: FractionRect;
}

export interface EmotionEngine {
  /** Long side, in pixels, of the frames the models want. */
  readonly frameMaxSide: number;
  /** @throws AppError no_face when no analysed frame has a face. */
  analyze(frames: RgbFrame[]): Promise<ClipEmotion>;
  /**
   * The same, fed frame by frame as they decode: work starts on early frames. `progress`
   * hears of the analysis as it goes (provisional scores, a first face), for a cover cut
   * from the same decode; nothing it hears changes the answer.
   */
  startClip(frameCount: number, progress?: ClipProgress): ClipEmotionSession;
}

/** A clip's analysis in progress (see `EmotionPipeline.startClip`). */
export interface ClipEmotionSession {
  add(position: number, frame: RgbFrame): void;
  /** @throws AppError no_face when no analysed frame has a face. */
  finish(frames: RgbFrame[]): Promise<ClipEmotion>;
  abandon(): void;
}

/** Which emotion model a process runs: resolved once by the server, passed to workers and commands. */
export type EngineModel = 'default' | 'emotimesh' | 'ensemble' | 'none';

/**
 * Everything a worker needs to build its engine; plain data (it crosses a process
 * boundary). `checkpointPath` is set for `emotimesh` and `ensemble`: a checkpoint
 * already downloaded and verified by the server.
 */
export interface EngineSettings {
  model: EngineModel;
  checkpointPath?: string;
  calibration: Calibration;
  /** The aligned expression model's file, resolved and checked by the server; absent: run without it. */
  alignedModelPath?: string;
}
