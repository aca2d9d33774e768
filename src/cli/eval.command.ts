import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  analyzeLabelledRows,
  poolRow,
  readLabelledRows,
  resolveEvalModels,
  scoreRows,
  skippedNote,
} from '../evaluation/labelled-rows.js';
import { forAlignedModel } from '../vision/calibration.js';
import { isUncertain } from '../vision/confidence.js';
import { evaluate, formatReport } from '../vision/evaluation.js';
import { progressReporter } from './command-io.js';

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
