/**
 * Runs labelled rows through the models in a worker process, one at a time, so
 * that a file which crashes FFmpeg or a model runtime costs that row only: it is
 * recorded as the row's error (with the stage and the signal) and the
 * evaluation goes on in a fresh worker.
 */
import { fileURLToPath } from 'node:url';

import { workerProcessEnv } from '../config/load-config.js';
import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../jobs/clip-job.types.js';
import { WorkerLost, WorkerProcess } from '../jobs/worker-process.js';
import type { Calibration } from '../vision/calibration.js';
import type { LabelRow } from '../vision/evaluation.js';
import type { Emotion5 } from '../vision/index.js';
import type { RowFeatures } from './row-analysis.js';

/** Longest one row may take before its worker is stopped (a hung decoder). */
const ROW_TIMEOUT_MS = 180_000;

/** One row's job, as the worker (`src/workers/row.worker.ts`) receives it. */
export interface RowRequest {
  root: string;
  row: LabelRow & { class5: Emotion5 };
  calibration: Calibration;
  plan: DecodePlan;
  /** The aligned expression model's file: it then sees every frame with a face (`alignedEveryFrame`). */
  alignedModelPath?: string;
}

export class RowAnalyzer {
  private worker: WorkerProcess<RowRequest, RowFeatures> | undefined;
  private nextId = 1;

  constructor(
    private readonly calibration: Calibration,
    private readonly plan: DecodePlan = DEFAULT_DECODE_PLAN,
    private readonly alignedModelPath?: string,
  ) {}

  async analyze(root: string, row: LabelRow & { class5: Emotion5 }): Promise<RowFeatures> {
    const worker = this.live();
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), ROW_TIMEOUT_MS)),
    );
    try {
      const outcome = await Promise.race([
        worker.run(id, {
          root,
          row,
          calibration: this.calibration,
          plan: this.plan,
          alignedModelPath: this.alignedModelPath,
        }),
        late,
      ]);
      if (outcome !== 'late') return outcome;
      const stage = worker.stageOf(id);
      worker.forget(id);
      await worker.kill();
      return { row, frames: [], error: `timed out after ${ROW_TIMEOUT_MS / 1000} s in stage ${stage}` };
    } catch (err) {
      if (err instanceof WorkerLost)
        return { row, frames: [], error: `crashed (${err.exit}) in stage ${err.stage}` };
      return { row, frames: [], error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.worker?.stop(5000);
  }

  /** The worker process, started afresh when there is none or the last one died. */
  private live(): WorkerProcess<RowRequest, RowFeatures> {
    if (this.worker && !this.worker.exited) return this.worker;
    // Under tsx (tests, `npm run dev`) the worker is the TypeScript source, loaded through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    this.worker = new WorkerProcess<RowRequest, RowFeatures>({
      script: fileURLToPath(new URL(`../workers/row.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url)),
      env: workerProcessEnv(),
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    return this.worker;
  }
}
