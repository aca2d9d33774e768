import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Calibration } from '../vision/calibration.js';
import { forAlignedModel, framePosterior } from '../vision/calibration.js';
import { alignedClipView } from '../vision/clip-features.js';
import { isUncertain } from '../vision/confidence.js';
import { GEOMETRY_FEATURES } from '../vision/geometry.js';
import {
  evaluate,
  formatReport,
  isLabelled,
  parseLabels,
  type LabelRow,
  type Scored,
} from '../vision/evaluation.js';
import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../jobs/clip-job.types.js';
import {
  ANALYSIS_MAX_SIDE,
  expressiveness,
  poolClip,
  type ClipPrediction,
  type Emotion5,
  type FrameAnalysis,
} from '../vision/index.js';
import type { RowFeatures } from './row-analysis.js';
import { ALIGNED_EXPRESSION_MODEL } from '../model-files/pinned-models.js';
import { RowAnalyzer } from './row-analyzer.js';

export type { RowFeatures } from './row-analysis.js';

export interface AnalyzeRowsOptions {
  limit?: number;
  /** Directory for per-row feature files, keyed by file, size, mtime and crop margin. */
  cacheDir?: string;
  /** How the model's frames are decoded (default: as the service does). */
  plan?: DecodePlan;
  /** The aligned expression model's file (resolved by `resolveEvalModels`): it sees every frame with a face. */
  alignedModelPath?: string;
  onProgress?: (done: number, total: number) => void;
}

/** A labels file's rows with one of the five emotions, and how many it marks as none of them. */
export interface LabelledRows {
  rows: (LabelRow & { class5: Emotion5 })[];
  /** Rows with an empty class5: left out on purpose (their label is not one of the five). */
  skipped: number;
}

/**
 * Reads a labels file: the rows to evaluate and the count of rows skipped on purpose.
 * @throws LabelsFileError for a bad header or a row that cannot be used (see parseLabels).
 */
export async function readLabelledRows(labelsPath: string): Promise<LabelledRows> {
  const all = parseLabels(await readFile(labelsPath, 'utf8'), labelsPath);
  const rows = all.filter(isLabelled);
  return { rows, skipped: all.length - rows.length };
}

/** The summary's words for the rows skipped on purpose. */
export function skippedNote(skipped: number): string {
  return skipped === 0
    ? 'no row skipped'
    : `${skipped} row(s) skipped: empty class5 (not one of the five emotions)`;
}

/** Run every labelled row (empty class5 skipped) through the pipeline, with an optional cache. */
export async function analyzeLabelledRows(
  labels: string | LabelledRows['rows'],
  root: string,
  calibration: Calibration,
  opts: AnalyzeRowsOptions = {},
): Promise<RowFeatures[]> {
  let rows = typeof labels === 'string' ? (await readLabelledRows(labels)).rows : labels;
  if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
  if (opts.cacheDir) await mkdir(opts.cacheDir, { recursive: true });
  const out: RowFeatures[] = [];
  const plan = opts.plan ?? DEFAULT_DECODE_PLAN;
  const analyzer = new RowAnalyzer(calibration, plan, opts.alignedModelPath);
  // The file's checked hash names the model in the cache key (undefined: extracted without it).
  const aligned = opts.alignedModelPath ? `|aligned-${ALIGNED_EXPRESSION_MODEL.sha256.slice(0, 12)}-all` : '';
  try {
    for (const row of rows) {
      let cacheFile: string | undefined;
      if (opts.cacheDir) {
        const st = await stat(resolve(root, row.path)).catch(() => undefined);
        const key = `${resolve(root, row.path)}|${st?.size}|${st?.mtimeMs}|${calibration.expressionMargin}|${calibration.faceApiMargin}|${ANALYSIS_MAX_SIDE}|v4${aligned}|g${GEOMETRY_FEATURES.length}${calibration.flipAverage ? '|flip' : ''}${calibration.faceApiFlip ? '|faflip' : ''}${calibration.stillFlip ? '|stillflip' : ''}${calibration.refineMesh === false ? '|norefine' : ''}|${plan.nearKeyframes ? 'nk' : 'even'}|${plan.skipLoopFilter ? 'nolf' : 'lf'}`;
        cacheFile = join(
          opts.cacheDir,
          `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`,
        );
        const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
        if (cached) {
          out.push({ ...(JSON.parse(cached) as RowFeatures), row });
          opts.onProgress?.(out.length, rows.length);
          continue;
        }
      }
      const features = await analyzer.analyze(root, row);
      if (cacheFile && !features.error) await writeFile(cacheFile, JSON.stringify(features));
      out.push(features);
      opts.onProgress?.(out.length, rows.length);
    }
  } finally {
    await analyzer.close();
  }
  return out;
}

/** Re-pool cached features under a calibration: the same maths as the live pipeline. */
export function predictRow(features: RowFeatures, calibration: Calibration): Emotion5 | null {
  return poolRow(features, calibration)?.emotion ?? null;
}

/**
 * The pooled answer for a row's cached features (null: no face). `calibration` is the one a
 * pipeline applies (`forAlignedModel`); a clip's aligned view is picked from the cached
 * per-frame logits as the pipeline picks its frames.
 */
export function poolRow(features: RowFeatures, calibration: Calibration): ClipPrediction | null {
  const frames: FrameAnalysis[] = alignedClipView(features.frames, calibration.alignedClipFrames).map((f) => {
    if (!f)
      return { t: 0, face: null, landmarks: null, probabilities: null, expressiveness: 0, features: null };
    const probabilities = framePosterior(f, calibration);
    return {
      t: f.t,
      face: null,
      landmarks: null,
      probabilities,
      expressiveness: expressiveness(probabilities),
      features: f,
    };
  });
  return poolClip(frames, calibration);
}

export function scoreRows(rows: RowFeatures[], calibration: Calibration): Scored[] {
  return rows.map((r) => {
    const pooled = r.error ? null : poolRow(r, calibration);
    return {
      source: r.row.source,
      truth: r.row.class5,
      predicted: pooled?.emotion ?? null,
      error: r.error !== undefined,
      kind: r.row.kind === 'image' ? 'image' : 'video',
      confidence: pooled?.confidence,
    };
  });
}

/**
 * The aligned expression model's file as the service resolves it (MODELS_DIR, MODEL_DOWNLOAD),
 * for `eval` and `calibrate`; undefined (said on stderr) when it is missing.
 */
export async function resolveEvalModels(): Promise<string | undefined> {
  const { loadConfig } = await import('../config/load-config.js');
  const { preparePinnedModels } = await import('../model-files/model-setup.js');
  const models = await preparePinnedModels(loadConfig(), (m) => process.stderr.write(`${m}\n`));
  return models.find((m) => m.name === ALIGNED_EXPRESSION_MODEL.name && m.status === 'loaded')?.path;
}

export function progressReporter(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    process.stderr.write(`\r${label} ${done}/${total}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}

/**
 * `eval --labels <csv> --root <dir> [--json] [--limit N]`: accuracy of the default pipeline
 * on a labelled set, through the same decode and pooling as /predict.
 */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'Measure the emotion pipeline on a labelled set (labels.csv format: path,source,original_label,class5,kind,subject_id)',
    )
    .requiredOption(
      '--labels <csv>',
      'labels file; class5 matched in any case, rows with an empty class5 skipped (and counted), any other value an error',
    )
    .requiredOption('--root <dir>', 'directory the label paths are relative to')
    .option('--json', 'print one JSON object instead of tables')
    .option('--limit <n>', 'only the first N labelled rows', (v) => Number.parseInt(v, 10))
    .option('--calibration <file>', 'calibration JSON to use instead of the committed one')
    .option('--cache <dir>', 'keep per-row features here to re-run faster')
    .option(
      '--even-sampling',
      "sample the model's frames exactly evenly (the service moves them next to keyframes)",
    )
    .option('--loop-filter', "decode the model's frames with the deblocking filter (the service skips it)")
    .option(
      '--no-aligned-model',
      'run without the aligned expression model even when MODELS_DIR has it (as a service without the file)',
    )
    .option(
      '--plot <png>',
      'also draw the confusion matrix, the reliability diagram and the accuracy-against-coverage curve into this PNG',
    )
    .action(
      async (opts: {
        labels: string;
        root: string;
        json?: boolean;
        limit?: number;
        calibration?: string;
        cache?: string;
        evenSampling?: boolean;
        loopFilter?: boolean;
        plot?: string;
        alignedModel: boolean;
      }) => {
        // The labels first: a bad file is refused before any model is looked at.
        const labels = await readLabelledRows(opts.labels);
        const { loadCalibration } = await import('../vision/calibration.js');
        const loaded = await loadCalibration(opts.calibration);
        const alignedModelPath = opts.alignedModel ? await resolveEvalModels() : undefined;
        // What a service with (or without) the model file applies.
        const calibration = forAlignedModel(loaded, alignedModelPath !== undefined);
        const started = performance.now();
        const rows = await analyzeLabelledRows(labels.rows, opts.root, loaded, {
          limit: opts.limit,
          cacheDir: opts.cache,
          onProgress: progressReporter('eval'),
          plan: { nearKeyframes: !opts.evenSampling, skipLoopFilter: !opts.loopFilter },
          alignedModelPath,
        });
        const report = evaluate(scoreRows(rows, calibration));
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        if (opts.plot) {
          const { renderEvalPlot } = await import('../vision/plot/report-plot.js');
          await writeFile(opts.plot, renderEvalPlot(report, `${opts.labels} (${rows.length} rows)`));
        }
        const errors = rows.filter((r) => r.error).map((r) => ({ path: r.row.path, error: r.error }));
        if (opts.json) {
          const items = rows.map((r) => {
            const pooled = r.error ? null : poolRow(r, calibration);
            return {
              path: r.row.path,
              label: r.row.class5,
              kind: r.row.kind === 'image' ? 'image' : 'video',
              prediction: pooled?.emotion ?? null,
              confidence: pooled?.confidence ?? null,
              uncertain: pooled ? isUncertain(pooled.confidence) : null,
              probabilities: pooled?.probabilities ?? null,
              ...(r.error ? { error: r.error } : {}),
            };
          });
          process.stdout.write(
            `${JSON.stringify({ ...report, errors, skipped: labels.skipped, seconds, items })}\n`,
          );
        } else {
          process.stdout.write(
            `${formatReport(report)}\n\n${rows.length} rows in ${seconds} s; ${skippedNote(labels.skipped)}\n`,
          );
          for (const e of errors) process.stdout.write(`error: ${e.path}: ${e.error}\n`);
        }
      },
    );
}
