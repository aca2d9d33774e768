import { readFile } from 'node:fs/promises';
import { ALIGNED_CLASSES } from './aligned-classes.js';
import committed from './calibration.json' with { type: 'json' };
import type { AnswerScaling } from './confidence.js';
import { EMOTIONS5, mapFer7To5, softmax, type Probs5 } from './emotions.js';
import { GEOMETRY_FEATURES } from './geometry.js';

/**
 * The small fitted layer between the models and the answer: a multinomial logistic regression
 * over the log of the mapped 5-class probabilities and the mesh's geometric features, plus the
 * pooling and crop settings chosen with it. Written by `calibrate`, read at start-up.
 */
/** One fitted logistic layer: standardisation, then 5 x features weights. */
export interface Layer {
  /** Feature names, for humans and as a check against code changes. */
  features: string[];
  /** Standardisation applied before the weights. */
  mean: number[];
  std: number[];
  /** 5 x features, in EMOTIONS5 order; empty means "no layer": the mapped model output is used. */
  weights: number[][];
  bias: number[];
}

export interface Calibration extends Layer {
  version: 1;
  /** FER model's crop side relative to the mesh extent (chosen on the development data). */
  expressionMargin: number;
  /** face-api expression net's crop side relative to the mesh extent. */
  faceApiMargin: number;
  /** Average each expression model over the crop and its mirror image (2x the model time). */
  flipAverage?: boolean;
  /** Mirror averaging for the face-api net alone (defaults to flipAverage). */
  faceApiFlip?: boolean;
  /**
   * For one-frame inputs, the still-image layer reads both nets averaged over the crop and its
   * mirror image (`FrameFeatures.mirrored`); the main layer keeps the plain outputs.
   */
  stillFlip?: boolean;
  /** Run the face mesh a second time on a crop levelled on its first answer (default true). */
  refineMesh?: boolean;
  /**
   * Set by `forAlignedModel` when the main layer reads the aligned model: how many of a clip's
   * frames with a face the model sees (never written by `calibrate` at the top level).
   */
  alignedClipFrames?: number;
  /**
   * The aligned model's field of view relative to the 112 px template's (1: the template as
   * it is; > 1 a looser crop around the same centre). Set by `forAlignedModel` from the aligned
   * section's `margin`, or by `calibrate` for extraction (default 1).
   */
  alignedMargin?: number;
  /**
   * A layer of its own for one-frame inputs (still images), fitted on the base features and the
   * expression nets' embeddings (see `calibrate --rank`). Absent: one-frame inputs use the main
   * layer, as clips always do.
   */
  still?: Layer;
  /** Temporal pooling: frame weight exp(beta * expressiveness); 0 weighs all frames alike. */
  poolingBeta: number;
  /**
   * Speech-robust mouth: every frame of a clip is scored with the clip's quantile `mouthQuantile`
   * of mouth opening and jaw drop (see clip-features.ts). Absent: each frame's own.
   */
  mouthQuantile?: number;
  /**
   * Scaling of the pooled probabilities into honest confidences, one-frame inputs (images) and
   * clips apart (a pooled clip is more confident than one frame). Absent: none.
   */
  scaling?: { image?: AnswerScaling; video?: AnswerScaling };
  /**
   * The layers to use instead when the aligned expression model (the third view, see
   * aligned-expression.ts) is loaded; each part left out keeps the top level's. The top level
   * is always the fit without it, so a service whose model file is missing answers exactly as
   * before (`forAlignedModel`).
   */
  aligned?: AlignedLayers;
  /** Free-form provenance: data, sizes, held-out scores. */
  fitted?: Record<string, unknown>;
}

/** What the aligned expression model changes, where it measured better on held-out people. */
export interface AlignedLayers {
  /** The main layer (clips, and every frame's own score) with the model's logits among its features. */
  main?: Layer;
  /** The still-image layer with them. */
  still?: Layer;
  /** The answer scaling fitted on these layers' held-out answers (per kind, like the top level's). */
  scaling?: { image?: AnswerScaling; video?: AnswerScaling };
  /**
   * How many of a clip's frames with a face the model sees (evenly spread over them; the others
   * take their mean: see `alignedClipView`). Needed with `main`.
   */
  clipFrames?: number;
  /** The field of view the model's logits were fitted with (`alignedFaceCrop`'s zoom; default 1). */
  margin?: number;
  fitted?: Record<string, unknown>;
}

/** log P(class) of the FER model, log P(class) of the face-api net, then the mesh geometry. */
export const BASE_FEATURE_NAMES: string[] = [
  ...EMOTIONS5.map((e) => `log_fer_${e}`),
  ...EMOTIONS5.map((e) => `log_faceapi_${e}`),
  ...GEOMETRY_FEATURES,
];

/** Length of each expression net's embedding (its pooled last feature map). */
export const EMBEDDING_SIZE = 256;

/** The aligned expression model's 7 logits (its own class order). */
export const ALIGNED_FEATURE_NAMES: string[] = ALIGNED_CLASSES.map((c) => `aligned_${c}`);

const EMBEDDING_NAMES: string[] = [
  ...Array.from({ length: EMBEDDING_SIZE }, (_, i) => `fer_embedding_${i}`),
  ...Array.from({ length: EMBEDDING_SIZE }, (_, i) => `faceapi_embedding_${i}`),
];

/** The base features, then the FER net's and the face-api net's embeddings. */
export const FEATURE_NAMES: string[] = [...BASE_FEATURE_NAMES, ...EMBEDDING_NAMES];

/** Which feature groups a layer reads, after the base ones (in this order: aligned, embeddings). */
export interface FeatureLayout {
  aligned?: boolean;
  embeddings?: boolean;
}

/** The feature names of a layout. */
export function featureNames(layout: FeatureLayout): string[] {
  return [
    ...BASE_FEATURE_NAMES,
    ...(layout.aligned ? ALIGNED_FEATURE_NAMES : []),
    ...(layout.embeddings ? EMBEDDING_NAMES : []),
  ];
}

/** The layout a fitted layer was fitted on, read from its feature names. */
export function layoutOf(layer: Pick<Layer, 'features'>): FeatureLayout {
  return {
    aligned: layer.features.includes(ALIGNED_FEATURE_NAMES[0]),
    embeddings: layer.features.includes(EMBEDDING_NAMES[0]),
  };
}

/** Whether a fitted layer reads the nets' embeddings (else the base features alone). */
export function usesEmbeddings(cal: Pick<Layer, 'features'>): boolean {
  return layoutOf(cal).embeddings === true;
}

/** Whether a layer (with weights) reads the aligned expression model's logits. */
export function usesAligned(layer: Pick<Layer, 'features' | 'weights'> | undefined): boolean {
  return layer !== undefined && layer.weights.length > 0 && layoutOf(layer).aligned === true;
}

/**
 * The calibration a pipeline applies: with the aligned expression model loaded, the `aligned`
 * section's layers (and scaling) replace the top level's, part by part; without it, the top
 * level alone (fitted without the model). Either way the result has no `aligned` section left.
 */
export function forAlignedModel(cal: Calibration, loaded: boolean): Calibration {
  const { aligned, ...base } = cal;
  if (!loaded || !aligned) return base;
  return {
    ...base,
    ...(aligned.main ? aligned.main : {}),
    ...(aligned.still ? { still: aligned.still } : {}),
    scaling: {
      image: aligned.scaling?.image ?? base.scaling?.image,
      video: aligned.scaling?.video ?? base.scaling?.video,
    },
    ...(aligned.main ? { alignedClipFrames: aligned.clipFrames ?? 1 } : {}),
    ...(aligned.margin !== undefined ? { alignedMargin: aligned.margin } : {}),
  };
}

/** No fitted layer: the naive mapping of the expression model. */
export function identityCalibration(): Calibration {
  return {
    version: 1,
    expressionMargin: 1.0,
    faceApiMargin: 1.2,
    features: BASE_FEATURE_NAMES,
    mean: [],
    std: [],
    weights: [],
    bias: [],
    poolingBeta: 0,
  };
}

const EPS = 1e-4;

/** What the models said about one frame (or a mean over frames). */
export interface ModelOutputs {
  /** FER2013 mini-Xception, FER7 order. */
  p7: ArrayLike<number>;
  /** face-api expression net, FER7 order. */
  q7: ArrayLike<number>;
  geometry: ArrayLike<number>;
  /** FER net's embedding (needed by a layer fitted with embeddings). */
  ef?: ArrayLike<number>;
  /** face-api net's embedding. */
  ea?: ArrayLike<number>;
  /** The aligned expression model's 7 logits (ALIGNED_CLASSES order), where it saw the face. */
  m7?: ArrayLike<number>;
  /** A one-frame input's net outputs averaged with the mirror image (see `stillFlip`). */
  mirrored?: {
    p7: ArrayLike<number>;
    q7: ArrayLike<number>;
    ef: ArrayLike<number>;
    ea: ArrayLike<number>;
    m7?: ArrayLike<number>;
  };
}

/** What the still-image layer reads: the mirror-averaged net outputs when the frame has them. */
export function stillOutputs<T extends ModelOutputs>(f: T): T {
  // mirrored holds the same kinds of arrays as the frame's own outputs
  return f.mirrored ? ({ ...f, ...f.mirrored } as T) : f;
}

/**
 * Raw feature vector: log mapped probabilities of both models, then geometry, then (when the
 * layout has them) the aligned model's logits and both nets' embeddings. `true` is the layout
 * with embeddings.
 */
export function featureVector(features: ModelOutputs, layout: FeatureLayout | boolean = {}): number[] {
  const { aligned, embeddings } = typeof layout === 'boolean' ? { embeddings: layout } : layout;
  const log = (p: number): number => Math.log(p + EPS);
  const out = [
    ...mapFer7To5(features.p7).map(log),
    ...mapFer7To5(features.q7).map(log),
    ...Array.from(features.geometry),
  ];
  if (aligned) {
    if (features.m7?.length !== ALIGNED_FEATURE_NAMES.length)
      throw new Error('this calibration needs the aligned expression model');
    out.push(...Array.from(features.m7));
  }
  if (embeddings) {
    if (features.ef?.length !== EMBEDDING_SIZE || features.ea?.length !== EMBEDDING_SIZE)
      throw new Error('this calibration needs the expression nets embeddings');
    out.push(...Array.from(features.ef), ...Array.from(features.ea));
  }
  return out;
}

/** Class logits of the fitted layer for a raw feature vector. */
export function calibratedLogits(x: number[], cal: Layer): number[] {
  // No layer: the log of the two models' averaged probabilities.
  if (cal.weights.length === 0)
    return x.slice(0, 5).map((l, k) => Math.log((Math.exp(l) + Math.exp(x[5 + k])) / 2));
  const z = x.map((v, j) => (v - cal.mean[j]) / (cal.std[j] || 1));
  return cal.weights.map((row, k) => row.reduce((s, w, j) => s + w * z[j], cal.bias[k]));
}

/** Calibrated 5-class probabilities of one frame. */
export function framePosterior(features: ModelOutputs, cal: Layer): Probs5 {
  return softmax(calibratedLogits(featureVector(features, layoutOf(cal)), cal)) as Probs5;
}

function validLayer(l: Layer | undefined): boolean {
  if (typeof l !== 'object' || l === null || !Array.isArray(l.weights) || !Array.isArray(l.features))
    return false;
  const names = featureNames(layoutOf(l));
  const n = names.length;
  return (
    l.weights.length === 0 ||
    (l.weights.length === 5 &&
      l.weights.every((r) => Array.isArray(r) && r.length === n) &&
      l.bias.length === 5 &&
      l.mean.length === n &&
      l.std.length === n &&
      l.features.join() === names.join())
  );
}

export function validateCalibration(value: unknown): Calibration {
  const c = value as Calibration;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    c.version === 1 &&
    typeof c.expressionMargin === 'number' &&
    typeof c.faceApiMargin === 'number' &&
    typeof c.poolingBeta === 'number' &&
    (c.mouthQuantile === undefined || (c.mouthQuantile >= 0 && c.mouthQuantile <= 1)) &&
    validLayer(c) &&
    !usesAligned(c) &&
    (c.still === undefined ||
      (validLayer(c.still) && c.still.weights.length === 5 && !usesAligned(c.still))) &&
    validScaling(c.scaling) &&
    (c.aligned === undefined || validAligned(c.aligned));
  if (!ok) throw new Error('invalid calibration file: expected the format written by `calibrate`');
  return c;
}

function validScaling(scaling: Calibration['scaling']): boolean {
  return (
    scaling === undefined ||
    [scaling.image, scaling.video].every(
      (sc) =>
        sc === undefined ||
        (typeof sc.temperature === 'number' &&
          sc.temperature > 0 &&
          Array.isArray(sc.bias) &&
          sc.bias.length === 5 &&
          (sc.disagreement === undefined || (Number.isFinite(sc.disagreement) && sc.disagreement >= 0))),
    )
  );
}

/** The aligned section: its layers read the model (the top level never does), `main` with its frame count, a sane margin. */
function validAligned(a: AlignedLayers): boolean {
  const layerOk = (l: Layer | undefined): boolean =>
    l === undefined || (validLayer(l) && l.weights.length === 5 && usesAligned(l));
  return (
    typeof a === 'object' &&
    a !== null &&
    layerOk(a.main) &&
    layerOk(a.still) &&
    validScaling(a.scaling) &&
    (a.main === undefined || (Number.isInteger(a.clipFrames) && a.clipFrames! >= 1)) &&
    (a.margin === undefined || (typeof a.margin === 'number' && a.margin >= 0.5 && a.margin <= 2))
  );
}

/**
 * The calibration as the JSON `calibrate` writes: numbers to 6 significant digits (far below
 * what the fit can tell apart), each array of numbers on one line.
 */
export function formatCalibration(cal: Calibration): string {
  const json = JSON.stringify(
    cal,
    (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v),
    2,
  );
  return `${json.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`)}\n`;
}

/**
 * The calibration from `path` (an operator's own, written by `calibrate`; the service
 * passes its CALIBRATION_PATH setting), else the committed one (src/vision/calibration.json).
 */
export async function loadCalibration(path?: string): Promise<Calibration> {
  // The committed file is imported, not read by path, so the build carries it into dist/.
  if (!path) return validateCalibration(structuredClone(committed));
  return validateCalibration(JSON.parse(await readFile(path, 'utf8')));
}
