import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  DEFAULT_ALIGNED_FRAMES,
  extractionCalibration,
  fitWithAlignedModel,
  rankSetting,
  type CalibrateSettings,
  type CalibrationFit,
} from '../evaluation/calibration-fit.js';
import { analyzeLabelledRows, resolveEvalModels } from '../evaluation/labelled-rows.js';
import {
  formatCalibration,
  forAlignedModel,
  identityCalibration,
  loadCalibration,
  type Calibration,
} from '../vision/calibration.js';
import type { AnswerScaling } from '../vision/confidence.js';
import { evaluate, formatReport } from '../vision/evaluation.js';
import { progressReporter } from './command-io.js';

/** The command's options, as commander hands them to the action. */
type CalibrateOptions = {
  labels: string;
  root: string;
  out: string;
  l2: number;
  folds: number;
  poolingBeta?: number;
  mouthQuantile?: number;
  margin?: number;
  limit?: number;
  rank?: number;
  stillL2?: number;
  stillFlip?: boolean;
  cache?: string;
  confidenceScaling: boolean;
  clipAgreement?: boolean;
  aligned: string;
  alignedFrames: number;
  alignedDirect?: boolean;
  alignedMargin?: number;
  keepBase?: boolean;
  clipLayerOnly?: boolean;
};

/** The fit's settings: the options given, else what the committed calibration was fitted with. */
function settingsFrom(opts: CalibrateOptions, current: Calibration): CalibrateSettings {
  return {
    l2: opts.l2,
    folds: Math.max(2, opts.folds),
    poolingBeta: opts.poolingBeta ?? current.poolingBeta,
    expressionMargin: opts.margin ?? current.expressionMargin,
    faceApiMargin: current.faceApiMargin,
    flipAverage: current.flipAverage ?? false,
    faceApiFlip: current.faceApiFlip ?? current.flipAverage ?? false,
    stillFlip: opts.stillFlip ?? current.stillFlip ?? false,
    refineMesh: current.refineMesh ?? true,
    scaleConfidence: opts.confidenceScaling,
    clipAgreement: opts.clipAgreement === true,
    rank: rankSetting(opts.rank, current),
    stillL2: opts.stillL2,
    alignedMargin: opts.alignedMargin ?? current.aligned?.margin ?? 1,
    mouthQuantile:
      opts.mouthQuantile === undefined
        ? current.mouthQuantile
        : opts.mouthQuantile < 0
          ? undefined
          : opts.mouthQuantile,
  };
}

/** What the run prints: the fit's numbers on held-out people (the aligned section's when there is one). */
function printSummary(opts: CalibrateOptions, settings: CalibrateSettings, fit: CalibrationFit): void {
  const { calibration, without, withModel } = fit;
  if (withModel) {
    const w = without.calibration.fitted!;
    process.stdout.write(
      `without the aligned model: held-out people accuracy ${String(w.held_out_people_accuracy)}, ECE ${String(w.held_out_people_ece)}, by kind ${JSON.stringify(w.held_out_people_by_kind)}\n` +
        `with it (${opts.aligned}; ${opts.alignedFrames} frames of a clip), below:\n`,
    );
  }
  // The numbers of the layers this run fitted: the aligned section's when there is one.
  // (--clip-layer-only: the fit without the aligned model, whose clip parts were written.)
  const f = opts.clipLayerOnly
    ? fit.without.calibration.fitted!
    : (calibration.aligned?.fitted ?? calibration.fitted)!;
  process.stdout.write(
    `wrote ${opts.out}: ${String(f.rows)} rows, ${String(f.people)} people\n` +
      `uncalibrated: accuracy ${String(f.naive_accuracy)}, macro-F1 ${String(f.naive_macro_f1)}\n` +
      `held-out people (${settings.folds}-fold by subject_id): accuracy ${String(f.held_out_people_accuracy)}, macro-F1 ${String(f.held_out_people_macro_f1)}, ECE ${String(f.held_out_people_ece)}\n`,
  );
  if (settings.scaleConfidence !== false) {
    // The scaling this run fitted: the aligned section's parts over the top level's.
    const sc = forAlignedModel(calibration, calibration.aligned !== undefined).scaling;
    const show = (x: AnswerScaling | undefined): string =>
      x ? `T=${x.temperature.toFixed(3)} bias=[${x.bias.map((b) => b.toFixed(3)).join(', ')}]` : 'none';
    process.stdout.write(
      `confidence scaling (nested CV): before accuracy ${String(f.held_out_people_accuracy_unscaled)}, ECE ${String(f.held_out_people_ece_unscaled)}\n` +
        `  images: ${show(sc?.image)}\n  videos: ${show(sc?.video)}\n`,
    );
    const unscaled = evaluate(fit.heldOutUnscaled);
    process.stdout.write(
      `  ECE by kind before: ${Object.entries(unscaled.by_kind)
        .map(([k, v]) => `${k} ${v.ece.toFixed(3)}`)
        .join(', ')}\n`,
    );
  }
  process.stdout.write(`\nheld-out people, per source and class:\n${formatReport(evaluate(fit.heldOut))}\n`);
}

/** The run: the rows' features (through the models, or the cache), the fit, the file, the summary. */
async function calibrate(opts: CalibrateOptions): Promise<void> {
  const parts = new Set(opts.aligned.split(',').map((p) => p.trim()));
  const alignedParts = { main: parts.has('main'), still: parts.has('still') };
  const alignedModelPath = alignedParts.main || alignedParts.still ? await resolveEvalModels() : undefined;
  const current = await loadCalibration().catch(() => identityCalibration());
  const settings = settingsFrom(opts, current);
  // Features are extracted without any fitted layer, with the crop settings being fitted.
  const rows = await analyzeLabelledRows(opts.labels, opts.root, extractionCalibration(settings), {
    limit: opts.limit,
    cacheDir: opts.cache,
    onProgress: progressReporter('calibrate'),
    alignedModelPath,
  });
  const fit = fitWithAlignedModel(rows, settings, current, {
    aligned: alignedModelPath
      ? {
          parts: alignedParts,
          label: opts.aligned,
          clipFrames: opts.alignedFrames,
          direct: opts.alignedDirect === true,
        }
      : undefined,
    keepBase: opts.keepBase === true,
    clipLayerOnly: opts.clipLayerOnly === true,
  });
  await writeFile(opts.out, formatCalibration(fit.calibration));
  printSummary(opts, settings, fit);
}

/**
 * `calibrate --labels <csv> --root <dir> --out <file>`: fit the small layer that turns the
 * models' outputs into the five classes, on an operator's own labelled clips or images.
 */
export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description(
      'Fit the calibration layer (logistic regression over expression probabilities and face-mesh geometry) ' +
        'on labelled clips/images and write it as JSON; point CALIBRATION_PATH (or copy it over src/vision/calibration.json) to use it. ' +
        'Prints the accuracy on people held out of the fit (cross-validation grouped by subject_id).',
    )
    .requiredOption(
      '--labels <csv>',
      'labels file: path,source,original_label,class5,kind,subject_id (rows with an empty class5 are skipped)',
    )
    .requiredOption('--root <dir>', 'directory the label paths are relative to')
    .requiredOption('--out <file>', 'where to write the calibration JSON')
    .option('--l2 <x>', 'L2 penalty of the logistic regression', Number.parseFloat, 0.01)
    .option('--folds <n>', 'cross-validation folds, grouped by subject_id', (v) => Number.parseInt(v, 10), 5)
    .option(
      '--pooling-beta <x>',
      'frame weight exp(beta * expressiveness) when pooling a clip',
      Number.parseFloat,
    )
    .option(
      '--mouth-quantile <q>',
      "score every frame of a clip with the clip's q-quantile of mouth opening and jaw drop (speech-robust; -1: off)",
      Number.parseFloat,
    )
    .option('--margin <x>', 'expression crop side relative to the face mesh extent', Number.parseFloat)
    .option(
      '--rank <k>',
      "fit a layer of its own for still images on the expression nets' embeddings too, reduced to k principal components (0: none)",
      (v) => Number.parseInt(v, 10),
    )
    .option('--still-l2 <x>', 'L2 penalty of the still-image layer', Number.parseFloat)
    .option(
      '--still-flip',
      'the still-image layer reads the nets averaged over the crop and its mirror image',
    )
    .option('--no-still-flip', 'the still-image layer reads the plain crop')
    .option('--limit <n>', 'only the first N labelled rows', (v) => Number.parseInt(v, 10))
    .option('--cache <dir>', 'keep per-row features here to re-run faster')
    .option(
      '--no-confidence-scaling',
      'do not fit the temperature and class bias that make the confidence honest',
    )
    .option(
      '--clip-agreement',
      "clips: also fit how much the answer's temperature grows as the clip's frames disagree",
    )
    .option(
      '--aligned <parts>',
      "which layers get the aligned expression model's logits when MODELS_DIR has it: main, still, both (main,still) or none",
      'main,still',
    )
    .option(
      '--aligned-frames <k>',
      "how many of a clip's frames with a face the aligned model sees (the main layer)",
      (v) => Number.parseInt(v, 10),
      DEFAULT_ALIGNED_FRAMES,
    )
    .option(
      '--aligned-margin <x>',
      "the aligned model's field of view relative to the 112 px template's (default: the committed aligned section's, else 1)",
      Number.parseFloat,
    )
    .option(
      '--keep-base',
      "keep the committed calibration's layers fitted without the aligned model (and their scaling) as they are; write only the aligned section",
    )
    .option(
      '--aligned-direct',
      'the still layer reads the base and aligned features as they are, only the embeddings through principal components',
    )
    .option(
      '--clip-layer-only',
      "refit only what clips read (the main layer, clip pooling, the clips' answer scaling); keep the still-image layer, the image scaling and the aligned section as they are",
    )
    .action(calibrate);
}
