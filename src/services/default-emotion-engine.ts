import { AppError } from '../errors.js';
import type { Emotion5, PredictionResult } from '../jobs/clip-job.types.js';
import type { RgbFrame } from '../media/types.js';
import {
  ANALYSIS_MAX_SIDE,
  poolClip,
  steadyFaceSquare,
  type EmotionPipeline,
  type FrameAnalysis,
} from '../vision/index.js';
import type { ClipEmotion, EmotionEngine } from './emotion-engine.js';

export const DEFAULT_MODEL_NAME = 'facemesh-fer-v1';

/** Face mesh + expression models (SPEC section 3, default pipeline). */
export class DefaultEmotionEngine implements EmotionEngine {
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
