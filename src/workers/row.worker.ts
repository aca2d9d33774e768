// Entry point of the evaluation's worker process: a file that crashes FFmpeg or a
// model runtime kills this process, not the evaluation (see src/evaluation/row-analyzer.ts).
import '../polyfills.js';

import type { RowRequest } from '../evaluation/row-analyzer.js';
import type { RowFeatures } from '../evaluation/row-analysis.js';
import { analyzeRow } from '../evaluation/row-analysis.js';
import { serveJobs } from '../jobs/worker-protocol.js';
import type { Calibration } from '../vision/calibration.js';
import { createEmotionPipeline, type EmotionPipeline } from '../vision/index.js';

let loaded: { key: string; pipeline: Promise<EmotionPipeline> } | undefined;

function pipelineFor(calibration: Calibration, alignedModelPath?: string): Promise<EmotionPipeline> {
  const key = JSON.stringify([calibration, alignedModelPath]);
  if (loaded?.key !== key)
    loaded = {
      key,
      // The cached features keep the aligned model's logits of every frame: pooling picks a clip's.
      pipeline: createEmotionPipeline({ calibration, alignedModelPath, alignedEveryFrame: true }),
    };
  return loaded.pipeline;
}

serveJobs<RowRequest, RowFeatures, undefined>({
  run: async ({ root, row, calibration, plan, alignedModelPath }, report) => {
    const pipeline = await pipelineFor(calibration, alignedModelPath);
    return analyzeRow(pipeline, root, row, report, plan);
  },
  warmUp: async () => undefined,
});
