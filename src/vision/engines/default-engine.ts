import { AppError } from '../../errors.js';
import type { RgbFrame } from '../../media/types.js';
import type { EmotionPipeline, FrameAnalysis } from '../pipeline.js';
import { poolClip, steadyFaceSquare } from '../pooling.js';
import { ANALYSIS_MAX_SIDE } from '../sizes.js';
import type { ClipProgress } from '../clip-session.js';
import type { ClipEmotion, ClipEmotionSession, EmotionEngine } from './engine.js';

export const DEFAULT_MODEL_NAME = 'facemesh-fer-v1';

/** Face mesh + expression models, calibrated and pooled (SPEC section 3, default pipeline). */
export class DefaultEmotionEngine implements EmotionEngine {
  readonly frameMaxSide = ANALYSIS_MAX_SIDE;

  constructor(readonly pipeline: EmotionPipeline) {}

  async analyze(frames: RgbFrame[]): Promise<ClipEmotion> {
    return this.fromAnalysis(frames, await this.pipeline.analyzeFrames(frames));
  }

  startClip(frameCount: number, progress?: ClipProgress): ClipEmotionSession {
    const clip = this.pipeline.startClip(frameCount, progress);
    return {
      add: (position, frame) => clip.add(position, frame),
      finish: async (frames) => this.fromAnalysis(frames, await clip.finish(frames)),
      abandon: () => clip.abandon(),
    };
  }

  /** Pools per-frame results into the clip answer (shared with the EmotiMesh engine). */
  fromAnalysis(frames: RgbFrame[], analysed: FrameAnalysis[]): ClipEmotion {
    const pooled = poolClip(analysed, this.pipeline.calibration);
    if (!pooled) throw new AppError('no_face');
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
    return { prediction: { ...pooled, model: DEFAULT_MODEL_NAME, face: faceSquare ?? null }, faceSquare };
  }
}
