/**
 * Runs labelled rows through the models in a worker process, one at a time, so
 * that a file which crashes FFmpeg or a model runtime costs that row only: it is
 * recorded as the row's error (with the stage and the signal) and the
 * evaluation goes on in a fresh worker.
 */
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';

import { workerProcessEnv } from '../config/load-config.js';

import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../jobs/clip-job.types.js';
import { StageTracker, workerLost } from '../jobs/worker-stages.js';
import type { Calibration } from '../vision/calibration.js';
import type { LabelRow } from '../vision/evaluation.js';
import type { Emotion5 } from '../vision/index.js';
import type { RowFeatures } from './row-analysis.js';

/** Longest one row may take before its worker is stopped (a hung decoder). */
const ROW_TIMEOUT_MS = 180_000;

export class RowAnalyzer {
  private readonly pool: workerpool.Pool;

  constructor(
    private readonly calibration: Calibration,
    private readonly plan: DecodePlan = DEFAULT_DECODE_PLAN,
  ) {
    // Under tsx (tests, `npm run dev`) the worker is the TypeScript source, loaded through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    const script = fileURLToPath(
      new URL(`../workers/row.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url),
    );
    this.pool = workerpool.pool(script, {
      workerType: 'process',
      maxWorkers: 1,
      workerTerminateTimeout: 2000,
      forkOpts: {
        env: workerProcessEnv(),
        execArgv: fromSource ? ['--import', 'tsx'] : [],
        serialization: 'advanced',
      },
    });
  }

  async analyze(root: string, row: LabelRow & { class5: Emotion5 }): Promise<RowFeatures> {
    const tracker = new StageTracker();
    try {
      const pending = this.pool.exec('analyzeRow', [root, row, this.calibration, this.plan], {
        on: tracker.on,
      });
      return (await pending.timeout(ROW_TIMEOUT_MS)) as RowFeatures;
    } catch (err) {
      if (err instanceof workerpool.Promise.TimeoutError) {
        return {
          row,
          frames: [],
          error: `timed out after ${ROW_TIMEOUT_MS / 1000} s in stage ${tracker.stage}`,
        };
      }
      const cause = workerLost(err);
      if (cause !== undefined)
        return { row, frames: [], error: `crashed (${cause}) in stage ${tracker.stage}` };
      return { row, frames: [], error: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    await this.pool.terminate(false, 5000);
  }
}
