import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  featureNames,
  featureVector,
  forAlignedModel,
  type FeatureLayout,
  formatCalibration,
  identityCalibration,
  loadCalibration,
  stillOutputs,
  type Calibration,
} from '../vision/calibration.js';
import { alignedClipView, meanVector, speechRobustFrames } from '../vision/clip-features.js';
import { withClipLayer } from '../vision/clip-layer.js';
import { fitLogistic } from '../vision/fit-layer.js';
import { applyScaling, fitScaling, type AnswerScaling } from '../vision/confidence.js';
import { argmax, EMOTIONS5 } from '../vision/emotions.js';
import { frameAgreement } from '../vision/pooling.js';
import { evaluate, formatReport, type Scored } from '../vision/evaluation.js';
import {
  analyzeLabelledRows,
  poolRow,
  progressReporter,
  resolveEvalModels,
  scoreRows,
  type RowFeatures,
} from './eval.command.js';

/**
 * Mean feature vector over the frames with a face (null when none), with the clip context
 * pooling gives them (the speech-robust mouth, when `mouthQuantile` is set; the clip's aligned
 * view of `alignedFrames` frames). `layout` true: with the embeddings.
 */
export function rowVector(
  r: RowFeatures,
  mouthQuantile?: number,
  layout: FeatureLayout | boolean = {},
  alignedFrames?: number,
): number[] | null {
  const { aligned, embeddings } = typeof layout === 'boolean' ? { embeddings: layout } : layout;
  const faced = speechRobustFrames(alignedClipView(r.frames, alignedFrames), mouthQuantile).filter(
    (f) => f !== null,
  );
  if (faced.length === 0) return null;
  const mean = (get: (f: (typeof faced)[number]) => ArrayLike<number>): number[] =>
    meanVector(faced.map(get));
  return featureVector(
    {
      p7: mean((f) => f.p7),
      q7: mean((f) => f.q7),
      geometry: mean((f) => f.geometry),
      ...(aligned ? { m7: mean((f) => f.m7 ?? []) } : {}),
      ...(embeddings ? { ef: mean((f) => f.ef ?? []), ea: mean((f) => f.ea ?? []) } : {}),
    },
    { aligned, embeddings },
  );
}

/** Stable fold of a person: all rows of one subject land in the same fold. */
export function foldOf(group: string, folds: number): number {
  let h = 2166136261;
  for (let i = 0; i < group.length; i++) {
    h ^= group.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % folds;
}

export interface CalibrateSettings {
  l2: number;
  folds: number;
  poolingBeta: number;
  expressionMargin: number;
  faceApiMargin: number;
  flipAverage: boolean;
  faceApiFlip: boolean;
  /** One-frame inputs: the still-image layer reads the nets mirror-averaged (default false). */
  stillFlip?: boolean;
  refineMesh: boolean;
  /** Clip quantile of mouth opening and jaw drop every frame of a clip is scored with (none: own). */
  mouthQuantile?: number;
  /** Fit the answer scaling (temperature, class bias) that makes the confidence honest (default true). */
  scaleConfidence?: boolean;
  /** Clips: also fit how much the temperature grows as a clip's frames disagree (default false). */
  clipAgreement?: boolean;
  /**
   * Fit a layer of its own for one-frame inputs (still images) on the base features and the
   * expression nets' embeddings, reduced to this many principal components (undefined: none;
   * images use the main layer).
   */
  rank?: number;
  /** L2 penalty of the still-image layer (on its whitened components). */
  stillL2?: number;
  /**
   * Fit with the aligned expression model's logits among the features (the rows must have
   * them): in the main layer (`main`, the model seeing `clipFrames` of a clip's frames) and/or
   * in the still-image layer (`still`). `stillDirect`: the still layer's first features (base
   * and aligned) enter its fit as they are, only the embeddings through the principal components.
   */
  aligned?: { main: boolean; still: boolean; clipFrames: number; stillDirect?: boolean };
}

type Usable = { r: RowFeatures; x: number[]; e: number[] | null };
type Layers = Pick<Calibration, 'mean' | 'std' | 'weights' | 'bias' | 'still'>;

/** Rows analysed as one frame get the image scaling, clips the video one (as poolClip does). */
const scalingKind = (r: RowFeatures): 'image' | 'video' => (r.frames.length === 1 ? 'image' : 'video');
/**
 * A class bias is fitted only with this many held-out answers of a kind, from at least
 * BIAS_MIN_PEOPLE people (re-encodes and windows of one person's clips are not new evidence
 * about the classes' priors: a clip bias fitted on 11 people's copies cost 15 points on
 * held-out people, src/vision/README.md); else the temperature alone.
 */
const BIAS_MIN_ROWS = 200;
const BIAS_MIN_PEOPLE = 30;
/** With fewer held-out answers than this, a kind borrows the other kind's scaling. */
const SCALING_MIN_ROWS = 10;

/**
 * Fit the logistic layer on all rows, and estimate how it does on people it never saw by
 * cross-validation grouped by subject_id (every person's rows are held out together). The
 * answer scaling is fitted on the layer's answers for held-out people; its own effect is
 * measured by nested cross-validation (each outer fold's scaling is fitted on the other folds'
 * held-out answers only), so `heldOut` is honest for the confidence too.
 */
export function calibrateFromRows(
  rows: RowFeatures[],
  s: CalibrateSettings,
): { calibration: Calibration; heldOut: Scored[]; heldOutUnscaled: Scored[]; naive: Scored[] } {
  const mainLayout = { aligned: s.aligned?.main === true };
  const stillLayout = { aligned: s.aligned?.still === true, embeddings: true };
  const clipFrames = mainLayout.aligned ? s.aligned!.clipFrames : undefined;
  const usable = rows
    .map((r) => ({
      r,
      x: rowVector(r, s.mouthQuantile, mainLayout, clipFrames),
      e:
        s.rank !== undefined && scalingKind(r) === 'image'
          ? rowVector({ ...r, frames: r.frames.map((f) => f && stillOutputs(f)) }, undefined, stillLayout)
          : null,
    }))
    .filter((d): d is Usable => d.x !== null);
  if (usable.length < 10)
    throw new Error(`calibrate: only ${usable.length} rows with a face; need at least 10`);
  const label = (r: RowFeatures): number => EMOTIONS5.indexOf(r.row.class5);
  const group = (r: RowFeatures): string => r.row.subject_id || r.row.path;
  const fold = (r: RowFeatures): number => foldOf(group(r), s.folds);
  const base: Calibration = {
    ...identityCalibration(),
    expressionMargin: s.expressionMargin,
    faceApiMargin: s.faceApiMargin,
    flipAverage: s.flipAverage,
    faceApiFlip: s.faceApiFlip,
    ...(s.stillFlip ? { stillFlip: true } : {}),
    refineMesh: s.refineMesh,
    poolingBeta: s.poolingBeta,
    features: featureNames(mainLayout),
    ...(s.mouthQuantile !== undefined ? { mouthQuantile: s.mouthQuantile } : {}),
    ...(clipFrames !== undefined ? { alignedClipFrames: clipFrames } : {}),
  };
  const fit = (train: Usable[]): Layers => {
    const main = fitLogistic(
      train.map((d) => d.x),
      train.map((d) => label(d.r)),
      { l2: s.l2 },
    );
    const stills = train.filter((d): d is Usable & { e: number[] } => d.e !== null);
    if (s.rank === undefined || stills.length < 10) return main;
    const still = fitLogistic(
      stills.map((d) => d.e),
      stills.map((d) => label(d.r)),
      {
        l2: s.stillL2 ?? DEFAULT_STILL_L2,
        rank: s.rank,
        ...(s.aligned?.stillDirect ? { direct: featureNames({ aligned: stillLayout.aligned }).length } : {}),
      },
    );
    return { ...main, still: { features: featureNames(stillLayout), ...still } };
  };

  /** Each row of `rows` (outside fold `skip`) pooled by a layer fitted without its person's fold. */
  type Answer = { r: RowFeatures; probs: number[] | null; k: number; agreement: number };
  const outOfFold = (skip?: number): Answer[] => {
    const out: Answer[] = [];
    for (let k = 0; k < s.folds; k++) {
      if (k === skip) continue;
      const train = usable.filter((d) => fold(d.r) !== k && fold(d.r) !== skip);
      const test = rows.filter((r) => fold(r) === k);
      if (test.length === 0 || train.length === 0) continue;
      const layer = fit(train);
      for (const r of test) {
        const pooled = r.error ? null : poolRow(r, { ...base, ...layer });
        const probs = pooled ? EMOTIONS5.map((e) => pooled.probabilities[e]) : null;
        // The base has no answer scaling: these are the pooled probabilities the scaling will see.
        const faced = pooled ? pooled.timeline.filter((p) => p.probabilities !== null) : [];
        const agreement = probs
          ? frameAgreement(
              faced.map((p) => EMOTIONS5.map((e) => p.probabilities![e])),
              argmax(probs),
            )
          : 1;
        out.push({ r, probs, k, agreement });
      }
    }
    return out;
  };

  const scalingFrom = (answers: Answer[]): Calibration['scaling'] => {
    type Given = Answer & { probs: number[] };
    const byKind = (kind: 'image' | 'video'): Given[] =>
      answers.filter((a): a is Given => a.probs !== null && scalingKind(a.r) === kind);
    const fitKind = (items: Given[], kind: 'image' | 'video'): AnswerScaling =>
      fitScaling(
        items.map((a) => a.probs),
        items.map((a) => label(a.r)),
        {
          bias:
            items.length >= BIAS_MIN_ROWS && new Set(items.map((a) => group(a.r))).size >= BIAS_MIN_PEOPLE,
          // Clips: how much the frames agree tempers the answer (s.clipAgreement).
          ...(kind === 'video' && s.clipAgreement ? { agreements: items.map((a) => a.agreement) } : {}),
        },
      );
    const images = byKind('image');
    const videos = byKind('video');
    const image = images.length >= SCALING_MIN_ROWS ? fitKind(images, 'image') : undefined;
    const video = videos.length >= SCALING_MIN_ROWS ? fitKind(videos, 'video') : undefined;
    return { image: image ?? video, video: video ?? image };
  };

  const asScored = (r: RowFeatures, probs: number[] | null): Scored => {
    const k = probs ? argmax(probs) : -1;
    return {
      source: r.row.source,
      truth: r.row.class5,
      predicted: probs ? EMOTIONS5[k] : null,
      error: r.error !== undefined,
      kind: r.row.kind === 'image' ? 'image' : 'video',
      confidence: probs ? probs[k] : undefined,
    };
  };

  const outer = outOfFold();
  const heldOutUnscaled = outer.map((a) => asScored(a.r, a.probs));
  const scale = s.scaleConfidence ?? true;
  const nestedScaling = new Map<number, Calibration['scaling']>();
  const heldOut = scale
    ? outer.map((a) => {
        // The scaling this fold would have had: fitted without any of its people.
        const scaling = nestedScaling.get(a.k) ?? scalingFrom(outOfFold(a.k));
        nestedScaling.set(a.k, scaling);
        const sc = scalingKind(a.r) === 'image' ? scaling?.image : scaling?.video;
        return asScored(a.r, a.probs ? applyScaling(a.probs, sc, a.agreement) : null);
      })
    : heldOutUnscaled;
  const layer = fit(usable);
  const naive = scoreRows(rows, base);
  const cv = evaluate(heldOut);
  const cvUnscaled = evaluate(heldOutUnscaled);
  const before = evaluate(naive);
  const scaling = scale ? scalingFrom(outer) : undefined;
  const calibration: Calibration = {
    ...base,
    ...layer,
    ...(scaling ? { scaling } : {}),
    fitted: {
      rows: usable.length,
      per_class: Object.fromEntries(
        EMOTIONS5.map((e) => [e, usable.filter((d) => d.r.row.class5 === e).length]),
      ),
      per_kind: {
        image: usable.filter((d) => scalingKind(d.r) === 'image').length,
        video: usable.filter((d) => scalingKind(d.r) === 'video').length,
      },
      people: new Set(usable.map((d) => group(d.r))).size,
      l2: s.l2,
      ...(s.rank !== undefined ? { rank: s.rank, still_l2: s.stillL2 ?? DEFAULT_STILL_L2 } : {}),
      naive_accuracy: before.overall.accuracy,
      naive_macro_f1: before.overall.macro_f1,
      held_out_people_accuracy: cv.overall.accuracy,
      held_out_people_macro_f1: cv.overall.macro_f1,
      held_out_people_ece: cv.overall.ece,
      held_out_people_by_kind: Object.fromEntries(
        Object.entries(cv.by_kind).map(([k, v]) => [k, { n: v.n, accuracy: v.accuracy, ece: v.ece }]),
      ),
      held_out_people_accuracy_unscaled: cvUnscaled.overall.accuracy,
      held_out_people_ece_unscaled: cvUnscaled.overall.ece,
      folds: s.folds,
      date: new Date().toISOString().slice(0, 10),
    },
  };
  return { calibration, heldOut, heldOutUnscaled, naive };
}

/** A clip's frames the aligned model sees by default (the cost: see src/vision/README.md). */
const DEFAULT_ALIGNED_FRAMES = 5;

/** The `aligned` section of a calibration from a fit with the aligned model (`parts`: which layers read it). */
export function alignedSection(
  fitted: Calibration,
  parts: { main: boolean; still: boolean },
): NonNullable<Calibration['aligned']> {
  return {
    ...(parts.main
      ? {
          main: {
            features: fitted.features,
            mean: fitted.mean,
            std: fitted.std,
            weights: fitted.weights,
            bias: fitted.bias,
          },
          clipFrames: fitted.alignedClipFrames ?? 1,
        }
      : {}),
    ...(parts.still && fitted.still ? { still: fitted.still } : {}),
    scaling: {
      ...(parts.still && fitted.scaling?.image ? { image: fitted.scaling.image } : {}),
      ...(parts.main && fitted.scaling?.video ? { video: fitted.scaling.video } : {}),
    },
    ...(fitted.fitted ? { fitted: fitted.fitted } : {}),
  };
}

/** The `--rank` option, else the rank the current calibration was fitted with. */
function rankSetting(option: number | undefined, current: Calibration): number | undefined {
  if (option !== undefined) return option > 0 ? option : undefined;
  if (!current.still) return undefined;
  const fitted = current.fitted?.rank;
  return typeof fitted === 'number' ? fitted : DEFAULT_RANK;
}

/** Principal components the still-image layer is fitted on. */
const DEFAULT_RANK = 20;
/** L2 penalty of the still-image layer. */
const DEFAULT_STILL_L2 = 0.1;

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
    .action(
      async (opts: {
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
        keepBase?: boolean;
        clipLayerOnly?: boolean;
      }) => {
        const parts = new Set(opts.aligned.split(',').map((p) => p.trim()));
        const alignedParts = { main: parts.has('main'), still: parts.has('still') };
        const alignedModelPath =
          alignedParts.main || alignedParts.still ? await resolveEvalModels() : undefined;
        const current = await loadCalibration().catch(() => identityCalibration());
        const settings: CalibrateSettings = {
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
          mouthQuantile:
            opts.mouthQuantile === undefined
              ? current.mouthQuantile
              : opts.mouthQuantile < 0
                ? undefined
                : opts.mouthQuantile,
        };
        // Features are extracted without any fitted layer, with the crop settings being fitted.
        const extraction = {
          ...identityCalibration(),
          expressionMargin: settings.expressionMargin,
          faceApiMargin: settings.faceApiMargin,
          flipAverage: settings.flipAverage,
          faceApiFlip: settings.faceApiFlip,
          stillFlip: settings.stillFlip,
          refineMesh: settings.refineMesh,
        };
        const rows = await analyzeLabelledRows(opts.labels, opts.root, extraction, {
          limit: opts.limit,
          cacheDir: opts.cache,
          onProgress: progressReporter('calibrate'),
          alignedModelPath,
        });
        const without = calibrateFromRows(rows, settings);
        // The top level is the fit without the aligned model (a service without its file); the
        // `aligned` section what changes with it, both measured on the same held-out people.
        const withModel =
          alignedModelPath && !opts.clipLayerOnly
            ? calibrateFromRows(rows, {
                ...settings,
                aligned: {
                  ...alignedParts,
                  clipFrames: Math.max(1, opts.alignedFrames),
                  stillDirect: opts.alignedDirect === true,
                },
              })
            : undefined;
        // --keep-base: the committed top level stays as it was fitted (on its own material);
        // only the aligned section is new.
        const top = opts.clipLayerOnly
          ? withClipLayer(current, without.calibration)
          : opts.keepBase
            ? (({ aligned: _, ...rest }) => rest)(current)
            : without.calibration;
        const section = withModel && alignedSection(withModel.calibration, alignedParts);
        if (section)
          section.fitted = {
            ...section.fitted,
            aligned: opts.aligned,
            ...(alignedParts.main ? { clip_frames: opts.alignedFrames } : {}),
            ...(opts.alignedDirect ? { direct: true } : {}),
            ...(opts.keepBase ? { top_level: 'kept as committed' } : {}),
          };
        const calibration: Calibration = section ? { ...top, aligned: section } : top;
        const { heldOut, heldOutUnscaled } = withModel ?? without;
        if (withModel) {
          const w = without.calibration.fitted!;
          process.stdout.write(
            `without the aligned model: held-out people accuracy ${String(w.held_out_people_accuracy)}, ECE ${String(w.held_out_people_ece)}, by kind ${JSON.stringify(w.held_out_people_by_kind)}\n` +
              `with it (${opts.aligned}; ${opts.alignedFrames} frames of a clip), below:\n`,
          );
        }
        await writeFile(opts.out, formatCalibration(calibration));
        // The numbers of the layers this run fitted: the aligned section's when there is one.
        const f = opts.clipLayerOnly
          ? without.calibration.fitted!
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
          const unscaled = evaluate(heldOutUnscaled);
          process.stdout.write(
            `  ECE by kind before: ${Object.entries(unscaled.by_kind)
              .map(([k, v]) => `${k} ${v.ece.toFixed(3)}`)
              .join(', ')}\n`,
          );
        }
        process.stdout.write(
          `\nheld-out people, per source and class:\n${formatReport(evaluate(heldOut))}\n`,
        );
      },
    );
}
