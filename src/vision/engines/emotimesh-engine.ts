import { basename } from 'node:path';

import type { RgbFrame } from '../../media/types.js';
import { buildSeedInput, SEED_STEPS, type EmotiMeshModel } from '../emotimesh/index.js';
import type { ClipProgress } from '../clip-session.js';
import { argmax, EMOTIONS5, type Emotion5 } from '../emotions.js';
import type { FrameAnalysis } from '../pipeline.js';
import { ANALYSIS_MAX_SIDE } from '../sizes.js';
import { DEFAULT_MODEL_NAME, type DefaultEmotionEngine } from './default-engine.js';
import type { ClipEmotion, ClipEmotionSession, EmotionEngine } from './engine.js';

/**
 * The seed's EmotiMesh_Net on our landmarks: 15 evenly sampled frames of 468 x 3
 * MediaPipe-normalised points (a frame without a face repeats the previous one, zeros
 * before the first). With `defaultWeight` > 0 its probabilities are averaged with the
 * default pipeline's (the ensemble). Its output order is the seed's, which is EMOTIONS5.
 */
export class EmotiMeshEngine implements EmotionEngine {
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
    return this.fromAnalysis(frames, await this.base.pipeline.analyzeFrames(frames));
  }

  /** `progress` hears the base pipeline's per-frame scores (a hint for covers; the answer is the ensemble's). */
  startClip(frameCount: number, progress?: ClipProgress): ClipEmotionSession {
    const clip = this.base.pipeline.startClip(frameCount, progress);
    return {
      add: (position, frame) => clip.add(position, frame),
      finish: async (frames) => this.fromAnalysis(frames, await clip.finish(frames)),
      abandon: () => clip.abandon(),
    };
  }

  private async fromAnalysis(frames: RgbFrame[], analysed: FrameAnalysis[]): Promise<ClipEmotion> {
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
    const combined = EMOTIONS5.map(
      (e, k) => (1 - w) * (meshProbs[k] ?? 0) + w * clip.prediction.probabilities[e],
    );
    const best = argmax(combined);
    return {
      faceSquare: clip.faceSquare,
      prediction: {
        ...clip.prediction,
        emotion: EMOTIONS5[best],
        confidence: combined[best]!,
        probabilities: Object.fromEntries(EMOTIONS5.map((e, k) => [e, combined[k]!])) as Record<
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
