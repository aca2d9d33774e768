// Entry point of the evaluation's worker process: a file that crashes FFmpeg or a
// model runtime kills this process, not the evaluation (see row-analyzer.ts).
import '../polyfills.js';
import workerpool from 'workerpool';

import type { DecodePlan } from '../jobs/clip-job.types.js';
import { stageReporter } from '../jobs/worker-stages.js';
import type { Calibration } from '../vision/calibration.js';
import type { LabelRow } from '../vision/evaluation.js';
import { createEmotionPipeline, type EmotionPipeline, type Emotion5 } from '../vision/index.js';
import { analyzeRow } from '../cli/row-analysis.js';

let loaded: { key: string; pipeline: Promise<EmotionPipeline> } | undefined;

function pipelineFor(calibration: Calibration): Promise<EmotionPipeline> {
  const key = JSON.stringify(calibration);
  if (loaded?.key !== key) loaded = { key, pipeline: createEmotionPipeline({ calibration }) };
  return loaded.pipeline;
}

workerpool.worker({
  analyzeRow: async (
    root: string,
    row: LabelRow & { class5: Emotion5 },
    calibration: Calibration,
    plan: DecodePlan,
  ) => {
    const pipeline = await pipelineFor(calibration);
    return analyzeRow(pipeline, root, row, stageReporter(), plan);
  },
});
