/**
 * Labelled rows (a labels file of clips and images with their class) through the models and
 * back: reading the file, analysing each row in a worker process (with a feature cache),
 * re-pooling cached features under a calibration and scoring them. Used by the `eval` and
 * `calibrate` commands and by the calibration fit.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_DECODE_PLAN, type DecodePlan } from '../jobs/clip-job.types.js';
import { ALIGNED_EXPRESSION_MODEL } from '../model-files/pinned-models.js';
import type { Calibration } from '../vision/calibration.js';
import { forAlignedModel, framePosterior } from '../vision/calibration.js';
import { alignedClipView } from '../vision/clip-features.js';
import { isLabelled, parseLabels, type LabelRow, type Scored } from '../vision/evaluation.js';
import { GEOMETRY_FEATURES } from '../vision/geometry.js';
import {
  ANALYSIS_MAX_SIDE,
  expressiveness,
  poolClip,
  type ClipPrediction,
  type Emotion5,
  type FrameAnalysis,
} from '../vision/index.js';
import type { RowFeatures } from './row-analysis.js';
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

/**
 * The cache file of a row's features: keyed by the file (path, size, mtime) and everything
 * the extraction depends on (crop settings, analysis size, aligned model, geometry, decode plan).
 */
export async function cacheFileFor(
  cacheDir: string,
  root: string,
  row: LabelRow,
  calibration: Calibration,
  plan: DecodePlan,
  aligned: string,
): Promise<string> {
  const st = await stat(resolve(root, row.path)).catch(() => undefined);
  // The field the pipeline crops the aligned view with (it applies `forAlignedModel`): the
  // aligned section's (`eval`), else the one set for extraction (`calibrate`).
  const alignedMargin = forAlignedModel(calibration, true).alignedMargin ?? 1;
  const key = `${resolve(root, row.path)}|${st?.size}|${st?.mtimeMs}|${calibration.expressionMargin}|${calibration.faceApiMargin}|${ANALYSIS_MAX_SIDE}|v4${aligned}|g${GEOMETRY_FEATURES.length}${calibration.flipAverage ? '|flip' : ''}${calibration.faceApiFlip ? '|faflip' : ''}${calibration.stillFlip ? '|stillflip' : ''}${calibration.refineMesh === false ? '|norefine' : ''}${aligned && alignedMargin !== 1 ? `|am${alignedMargin}` : ''}|${plan.nearKeyframes ? 'nk' : 'even'}|${plan.skipLoopFilter ? 'nolf' : 'lf'}`;
  return join(cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
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
      const cacheFile = opts.cacheDir
        ? await cacheFileFor(opts.cacheDir, root, row, calibration, plan, aligned)
        : undefined;
      const cached = cacheFile && (await readFile(cacheFile, 'utf8').catch(() => undefined));
      if (cached) {
        out.push({ ...(JSON.parse(cached) as RowFeatures), row });
        opts.onProgress?.(out.length, rows.length);
        continue;
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
