/**
 * Fitting the calibration (the small logistic layer between the models and the five classes,
 * and the answer scaling that makes its confidence honest) on analysed labelled rows, with
 * the accuracy on people held out of the fit (cross-validation grouped by subject_id).
 * The `calibrate` command reads the options and prints; the fitting is here.
 */
import {
  featureNames,
  featureVector,
  identityCalibration,
  stillOutputs,
  type Calibration,
  type FeatureLayout,
} from '../vision/calibration.js';
import { alignedClipView, meanVector, speechRobustFrames } from '../vision/clip-features.js';
import { applyScaling, fitScaling, type AnswerScaling } from '../vision/confidence.js';
import { argmax, EMOTIONS5 } from '../vision/emotions.js';
import { evaluate, type Scored } from '../vision/evaluation.js';
import { withClipLayer } from '../vision/clip-layer.js';
import { fitLogistic } from '../vision/fit-layer.js';
import { frameAgreement } from '../vision/pooling.js';
import { poolRow, scoreRows, type RowFeatures } from './labelled-rows.js';

/** Principal components the still-image layer is fitted on. */
export const DEFAULT_RANK = 20;
/** L2 penalty of the still-image layer. */
export const DEFAULT_STILL_L2 = 0.1;
/** A clip's frames the aligned model sees by default (the cost: see src/vision/README.md). */
export const DEFAULT_ALIGNED_FRAMES = 5;

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
  /** The aligned model's field relative to the 112 px template's (`alignedFaceCrop`'s zoom; default 1). */
  alignedMargin?: number;
}

type Usable = { r: RowFeatures; x: number[]; e: number[] | null };
type Layers = Pick<Calibration, 'mean' | 'std' | 'weights' | 'bias' | 'still'>;
/** A row's answer from a layer fitted without its person's fold (`k`), before any scaling. */
type Answer = { r: RowFeatures; probs: number[] | null; k: number; agreement: number };

/** What one fit works on: the settings, the rows, those with a face, and the calibration it starts from. */
interface FitContext {
  s: CalibrateSettings;
  rows: RowFeatures[];
  usable: Usable[];
  base: Calibration;
  stillLayout: FeatureLayout;
}

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

const label = (r: RowFeatures): number => EMOTIONS5.indexOf(r.row.class5);
/** The person a row belongs to (its file when it names none). */
const group = (r: RowFeatures): string => r.row.subject_id || r.row.path;

/** The rows with a face: their main features, and (still images, with a rank) the still layer's. */
function usableRows(rows: RowFeatures[], s: CalibrateSettings, stillLayout: FeatureLayout): Usable[] {
  const mainLayout = { aligned: s.aligned?.main === true };
  return rows
    .map((r) => ({
      r,
      x: rowVector(r, s.mouthQuantile, mainLayout, s.aligned?.main ? s.aligned.clipFrames : undefined),
      e:
        s.rank !== undefined && scalingKind(r) === 'image'
          ? rowVector({ ...r, frames: r.frames.map((f) => f && stillOutputs(f)) }, undefined, stillLayout)
          : null,
    }))
    .filter((d): d is Usable => d.x !== null);
}

/** How the nets' crops are taken: the settings the rows' features were extracted with. */
function cropSettings(s: CalibrateSettings): Partial<Calibration> {
  return {
    expressionMargin: s.expressionMargin,
    faceApiMargin: s.faceApiMargin,
    flipAverage: s.flipAverage,
    faceApiFlip: s.faceApiFlip,
  };
}

/** The fit's settings on an identity calibration: what the layers are fitted under. */
function baseCalibration(s: CalibrateSettings): Calibration {
  const clipFrames = s.aligned?.main ? s.aligned.clipFrames : undefined;
  return {
    ...identityCalibration(),
    ...cropSettings(s),
    ...(s.stillFlip ? { stillFlip: true } : {}),
    refineMesh: s.refineMesh,
    poolingBeta: s.poolingBeta,
    features: featureNames({ aligned: s.aligned?.main === true }),
    ...(s.mouthQuantile !== undefined ? { mouthQuantile: s.mouthQuantile } : {}),
    ...(clipFrames !== undefined ? { alignedClipFrames: clipFrames } : {}),
  };
}

/** The main layer on `train`, and the still-image layer when a rank is set and there are enough stills. */
function fitLayers(ctx: FitContext, train: Usable[]): Layers {
  const { s, stillLayout } = ctx;
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
}

/** A row pooled under `calibration` (no answer scaling): its probabilities and how its frames agree. */
function answerOf(r: RowFeatures, calibration: Calibration, k: number): Answer {
  const pooled = r.error ? null : poolRow(r, calibration);
  const probs = pooled ? EMOTIONS5.map((e) => pooled.probabilities[e]) : null;
  // The base has no answer scaling: these are the pooled probabilities the scaling will see.
  const faced = pooled ? pooled.timeline.filter((p) => p.probabilities !== null) : [];
  const agreement = probs
    ? frameAgreement(
        faced.map((p) => EMOTIONS5.map((e) => p.probabilities![e])),
        argmax(probs),
      )
    : 1;
  return { r, probs, k, agreement };
}

/** Each row (outside fold `skip`) pooled by a layer fitted without its person's fold. */
function outOfFold(ctx: FitContext, skip?: number): Answer[] {
  const { s, rows, usable, base } = ctx;
  const fold = (r: RowFeatures): number => foldOf(group(r), s.folds);
  const out: Answer[] = [];
  for (let k = 0; k < s.folds; k++) {
    if (k === skip) continue;
    const train = usable.filter((d) => fold(d.r) !== k && fold(d.r) !== skip);
    const test = rows.filter((r) => fold(r) === k);
    if (test.length === 0 || train.length === 0) continue;
    const layer = fitLayers(ctx, train);
    for (const r of test) out.push(answerOf(r, { ...base, ...layer }, k));
  }
  return out;
}

/** The answer scaling fitted on held-out answers, per kind (a kind with too few borrows the other's). */
function scalingFrom(s: CalibrateSettings, answers: Answer[]): Calibration['scaling'] {
  type Given = Answer & { probs: number[] };
  const byKind = (kind: 'image' | 'video'): Given[] =>
    answers.filter((a): a is Given => a.probs !== null && scalingKind(a.r) === kind);
  const fitKind = (items: Given[], kind: 'image' | 'video'): AnswerScaling =>
    fitScaling(
      items.map((a) => a.probs),
      items.map((a) => label(a.r)),
      {
        bias: items.length >= BIAS_MIN_ROWS && new Set(items.map((a) => group(a.r))).size >= BIAS_MIN_PEOPLE,
        // Clips: how much the frames agree tempers the answer (s.clipAgreement).
        ...(kind === 'video' && s.clipAgreement ? { agreements: items.map((a) => a.agreement) } : {}),
      },
    );
  const images = byKind('image');
  const videos = byKind('video');
  const image = images.length >= SCALING_MIN_ROWS ? fitKind(images, 'image') : undefined;
  const video = videos.length >= SCALING_MIN_ROWS ? fitKind(videos, 'video') : undefined;
  return { image: image ?? video, video: video ?? image };
}

function asScored(r: RowFeatures, probs: number[] | null): Scored {
  const k = probs ? argmax(probs) : -1;
  return {
    source: r.row.source,
    truth: r.row.class5,
    predicted: probs ? EMOTIONS5[k] : null,
    error: r.error !== undefined,
    kind: r.row.kind === 'image' ? 'image' : 'video',
    confidence: probs ? probs[k] : undefined,
  };
}

/**
 * The held-out answers with the answer scaling measured honestly: each outer fold's scaling is
 * fitted on the other folds' held-out answers only (nested cross-validation).
 */
function nestedScaledScores(ctx: FitContext, outer: Answer[]): Scored[] {
  const nestedScaling = new Map<number, Calibration['scaling']>();
  return outer.map((a) => {
    // The scaling this fold would have had: fitted without any of its people.
    const scaling = nestedScaling.get(a.k) ?? scalingFrom(ctx.s, outOfFold(ctx, a.k));
    nestedScaling.set(a.k, scaling);
    const sc = scalingKind(a.r) === 'image' ? scaling?.image : scaling?.video;
    return asScored(a.r, a.probs ? applyScaling(a.probs, sc, a.agreement) : null);
  });
}

/** The `fitted` record of a calibration: what it was fitted on and how it did. */
function fittedRecord(
  ctx: FitContext,
  scores: { heldOut: Scored[]; heldOutUnscaled: Scored[]; naive: Scored[] },
): Calibration['fitted'] {
  const { s, usable } = ctx;
  const cv = evaluate(scores.heldOut);
  const cvUnscaled = evaluate(scores.heldOutUnscaled);
  const before = evaluate(scores.naive);
  return {
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
  };
}

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
  const stillLayout = { aligned: s.aligned?.still === true, embeddings: true };
  const usable = usableRows(rows, s, stillLayout);
  if (usable.length < 10)
    throw new Error(`calibrate: only ${usable.length} rows with a face; need at least 10`);
  const ctx: FitContext = { s, rows, usable, base: baseCalibration(s), stillLayout };
  const outer = outOfFold(ctx);
  const heldOutUnscaled = outer.map((a) => asScored(a.r, a.probs));
  const scale = s.scaleConfidence ?? true;
  const heldOut = scale ? nestedScaledScores(ctx, outer) : heldOutUnscaled;
  const layer = fitLayers(ctx, usable);
  const naive = scoreRows(rows, ctx.base);
  const scaling = scale ? scalingFrom(s, outer) : undefined;
  const calibration: Calibration = {
    ...ctx.base,
    ...layer,
    ...(scaling ? { scaling } : {}),
    fitted: fittedRecord(ctx, { heldOut, heldOutUnscaled, naive }),
  };
  return { calibration, heldOut, heldOutUnscaled, naive };
}

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

/** The rank of the still-image layer: `option` (0: none), else the one the current calibration was fitted with. */
export function rankSetting(option: number | undefined, current: Calibration): number | undefined {
  if (option !== undefined) return option > 0 ? option : undefined;
  if (!current.still) return undefined;
  const fitted = current.fitted?.rank;
  return typeof fitted === 'number' ? fitted : DEFAULT_RANK;
}

/** The calibration the rows' features are extracted under: no fitted layer, the crop settings being fitted. */
export function extractionCalibration(s: CalibrateSettings): Calibration {
  return {
    ...identityCalibration(),
    ...cropSettings(s),
    stillFlip: s.stillFlip,
    refineMesh: s.refineMesh,
    ...(s.alignedMargin !== undefined && s.alignedMargin !== 1 ? { alignedMargin: s.alignedMargin } : {}),
  };
}

/** How the aligned expression model enters a fit (see `fitWithAlignedModel`). */
export interface AlignedFit {
  /** Which layers read its logits. */
  parts: { main: boolean; still: boolean };
  /** The `--aligned` words, recorded in the section's `fitted`. */
  label: string;
  clipFrames: number;
  direct: boolean;
}

/** A fit's outcome: the calibration to write, both fits, and the held-out scores of the one this run is about. */
export interface CalibrationFit {
  calibration: Calibration;
  without: ReturnType<typeof calibrateFromRows>;
  withModel?: ReturnType<typeof calibrateFromRows>;
  heldOut: Scored[];
  heldOutUnscaled: Scored[];
}

/**
 * The top level is the fit without the aligned model (a service without its file); the `aligned`
 * section (when `aligned` is given) what changes with it, both measured on the same held-out people.
 * `keepBase`: `current`'s top level stays as it is (only the aligned section is new).
 */
export function fitWithAlignedModel(
  rows: RowFeatures[],
  settings: CalibrateSettings,
  current: Calibration,
  { aligned, keepBase, clipLayerOnly }: { aligned?: AlignedFit; keepBase: boolean; clipLayerOnly?: boolean },
): CalibrationFit {
  const without = calibrateFromRows(rows, settings);
  // clipLayerOnly: only what clips read is refitted (the main layer, clip pooling, the clips'
  // scaling); the still-image layer, the image scaling and the aligned section stay as committed.
  const withModel =
    aligned && !clipLayerOnly
      ? calibrateFromRows(rows, {
          ...settings,
          aligned: {
            ...aligned.parts,
            clipFrames: Math.max(1, aligned.clipFrames),
            stillDirect: aligned.direct,
          },
        })
      : undefined;
  // keepBase: the committed top level stays as it was fitted (on its own material).
  const top = clipLayerOnly
    ? withClipLayer(current, without.calibration)
    : keepBase
      ? (({ aligned: _, ...rest }) => rest)(current)
      : without.calibration;
  const section = aligned && withModel && alignedSection(withModel.calibration, aligned.parts);
  if (aligned && section)
    section.fitted = {
      ...section.fitted,
      aligned: aligned.label,
      ...(aligned.parts.main ? { clip_frames: aligned.clipFrames } : {}),
      ...(aligned.direct ? { direct: true } : {}),
      ...(keepBase ? { top_level: 'kept as committed' } : {}),
    };
  if (section && settings.alignedMargin !== undefined && settings.alignedMargin !== 1)
    section.margin = settings.alignedMargin;
  const calibration: Calibration = section ? { ...top, aligned: section } : top;
  const { heldOut, heldOutUnscaled } = withModel ?? without;
  return { calibration, without, withModel, heldOut, heldOutUnscaled };
}
