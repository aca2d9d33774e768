/**
 * One labelled row through the models, the way /predict decodes a clip: probe ->
 * 15 evenly spaced frames (or the one frame of a still image) -> the pipeline.
 * Runs inside the evaluation's worker process (see row-analyzer.ts).
 */
import { resolve } from 'node:path';

import { AppError } from '../errors.js';
import type { ClipStage } from '../jobs/clip-job.types.js';
import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../jobs/clip-job.types.js';
import { MediaClip } from '../media/index.js';
import type { LabelRow } from '../vision/evaluation.js';
import { ANALYSIS_MAX_SIDE, type EmotionPipeline, type Emotion5 } from '../vision/index.js';
import type { FrameFeatures } from '../vision/pipeline.js';

/** Frames sampled per clip, as /predict does. */
const PREDICT_FRAMES = 15;
const LIMITS = { maxPixels: 4096 * 2160, maxSeconds: 600, minFrames: 1 };

/** What the models saw in one labelled row: enough to re-pool under another calibration. */
export interface RowFeatures {
  row: LabelRow & { class5: Emotion5 };
  /** Per analysed frame: null when no face. */
  frames: ((FrameFeatures & { t: number }) | null)[];
  error?: string;
}

/** Decodes a labelled file as /predict does and keeps the per-frame features. */
export async function analyzeRow(
  pipeline: EmotionPipeline,
  root: string,
  row: LabelRow & { class5: Emotion5 },
  onStage: (stage: ClipStage) => void = () => undefined,
  plan: DecodePlan = DEFAULT_DECODE_PLAN,
): Promise<RowFeatures> {
  const file = resolve(root, row.path);
  try {
    onStage('probe');
    const clip = await MediaClip.open(file, LIMITS);
    const single = clip.info.isImage === true || row.kind === 'image';
    // The service's plan for the model's frames (see processClip).
    const indices = single ? [0] : clip.predictionIndices(PREDICT_FRAMES, plan.nearKeyframes);
    const [frames] = await clip.decode([{ indices, maxSide: ANALYSIS_MAX_SIDE }], {
      minFrames: 1,
      onStage,
      skipLoopFilter: plan.skipLoopFilter,
    });
    onStage('model');
    const analysed = await pipeline.analyzeFrames(frames);
    return { row, frames: analysed.map((f) => (f.features ? { t: f.t, ...f.features } : null)) };
  } catch (err) {
    const message = err instanceof AppError ? err.code : err instanceof Error ? err.message : String(err);
    return { row, frames: [], error: message };
  }
}
