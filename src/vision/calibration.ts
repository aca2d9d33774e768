import { readFile } from 'node:fs/promises';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import committed from './calibration.json' with { type: 'json' };
import type { AnswerScaling } from './confidence.js';
import { EMOTIONS5, mapFer7To5, type Probs5 } from './emotions.js';
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
  /** Run the face mesh a second time on a crop levelled on its first answer (default true). */
  refineMesh?: boolean;
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
  /** Free-form provenance: data, sizes, held-out scores. */
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

/** The base features, then the FER net's and the face-api net's embeddings. */
export const FEATURE_NAMES: string[] = [
  ...BASE_FEATURE_NAMES,
  ...Array.from({ length: EMBEDDING_SIZE }, (_, i) => `fer_embedding_${i}`),
  ...Array.from({ length: EMBEDDING_SIZE }, (_, i) => `faceapi_embedding_${i}`),
];

/** Whether a fitted layer reads the nets' embeddings (else the base features alone). */
export function usesEmbeddings(cal: Pick<Layer, 'features'>): boolean {
  return cal.features.length === FEATURE_NAMES.length;
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
}

/**
 * Raw feature vector: log mapped probabilities of both models, then geometry, then (with
 * `embeddings`) both nets' embeddings.
 */
export function featureVector(features: ModelOutputs, embeddings = false): number[] {
  const log = (p: number): number => Math.log(p + EPS);
  const base = [
    ...mapFer7To5(features.p7).map(log),
    ...mapFer7To5(features.q7).map(log),
    ...Array.from(features.geometry),
  ];
  if (!embeddings) return base;
  if (features.ef?.length !== EMBEDDING_SIZE || features.ea?.length !== EMBEDDING_SIZE)
    throw new Error('this calibration needs the expression nets embeddings');
  return [...base, ...Array.from(features.ef), ...Array.from(features.ea)];
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const ex = logits.map((l) => Math.exp(l - max));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((e) => e / sum);
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
  return softmax(calibratedLogits(featureVector(features, usesEmbeddings(cal)), cal)) as Probs5;
}

function validLayer(l: Layer | undefined): boolean {
  if (typeof l !== 'object' || l === null || !Array.isArray(l.weights) || !Array.isArray(l.features))
    return false;
  const names = usesEmbeddings(l) ? FEATURE_NAMES : BASE_FEATURE_NAMES;
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
    (c.still === undefined || (validLayer(c.still) && c.still.weights.length === 5)) &&
    (c.scaling === undefined ||
      [c.scaling.image, c.scaling.video].every(
        (sc) =>
          sc === undefined ||
          (typeof sc.temperature === 'number' &&
            sc.temperature > 0 &&
            Array.isArray(sc.bias) &&
            sc.bias.length === 5),
      ));
  if (!ok) throw new Error('invalid calibration file: expected the format written by `calibrate`');
  return c;
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

export interface FitOptions {
  /** L2 penalty on the weights (features are standardised). */
  l2?: number;
  iterations?: number;
  /** Weigh classes inversely to their frequency, so macro-F1 is what is optimised. */
  balanced?: boolean;
  /**
   * Reduced rank: fit on the leading `rank` principal components of the standardised
   * features (whitened), then fold the projection back into one weight per feature. Needed
   * when the features outnumber what the rows can pin down (the nets' embeddings).
   */
  rank?: number;
}

/**
 * Fit the multinomial logistic regression on standardised features, optionally of reduced rank
 * (see `FitOptions.rank`). The answer is always one weight per feature, so the service applies
 * it the same way whatever the fit did.
 */
export function fitLogistic(xs: number[][], ys: number[], opts: FitOptions = {}): Omit<Layer, 'features'> {
  const n = xs.length;
  const d = xs[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of xs) x.forEach((v, j) => (mean[j] += v / n));
  for (const x of xs) x.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / n));
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  const zs = xs.map((x) => x.map((v, j) => (v - mean[j]) / std[j]));
  const rank = opts.rank !== undefined && opts.rank < Math.min(d, n) ? opts.rank : undefined;
  if (rank === undefined) return { mean, std, ...fitSoftmax(zs, ys, opts) };
  const axes = principalAxes(zs, rank);
  const { weights, bias } = fitSoftmax(
    zs.map((z) => axes.project(z)),
    ys,
    opts,
  );
  return { mean, std, weights: weights.map((w) => axes.unproject(w)), bias };
}

/**
 * The leading `rank` principal axes of centred rows, with the projection onto them scaled to
 * unit variance and its transpose (to fold weights on the components back onto the features).
 */
export function principalAxes(
  zs: number[][],
  rank: number,
): { project: (z: number[]) => number[]; unproject: (w: number[]) => number[] } {
  const n = zs.length;
  const Z = new Matrix(zs);
  const d = Z.columns;
  // With fewer rows than features the n x n Gram matrix has the same non-zero spectrum and is
  // cheaper to decompose: an axis is then Z' u / sqrt(n lambda).
  const gram = n < d;
  const M = gram ? Z.mmul(Z.transpose()).div(n) : Z.transpose().mmul(Z).div(n);
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const order = values
    .map((_, i) => i)
    .sort((a, b) => values[b] - values[a])
    .slice(0, rank);
  // axes[c][j] = v_c[j] / sqrt(lambda_c): component c of z is sum_j axes[c][j] z[j], unit variance
  const axes = order.map((c) => {
    const lambda = Math.max(values[c], 1e-12);
    if (!gram) return Array.from({ length: d }, (_, j) => V.get(j, c) / Math.sqrt(lambda));
    const u = V.getColumn(c);
    const scale = Math.sqrt(n * lambda) * Math.sqrt(lambda);
    return Array.from({ length: d }, (_, j) => zs.reduce((sum, z, i) => sum + z[j] * u[i], 0) / scale);
  });
  return {
    project: (z) => axes.map((a) => a.reduce((sum, v, j) => sum + v * z[j], 0)),
    unproject: (w) => Array.from({ length: d }, (_, j) => axes.reduce((sum, a, c) => sum + w[c] * a[j], 0)),
  };
}

/** Softmax regression on standardised inputs by full-batch gradient descent (Adam). */
function fitSoftmax(zs: number[][], ys: number[], opts: FitOptions): Pick<Layer, 'weights' | 'bias'> {
  const l2 = opts.l2 ?? 0.01;
  const iterations = opts.iterations ?? 2000;
  const n = zs.length;
  const d = zs[0]?.length ?? 0;
  const K = 5;
  const counts = new Array<number>(K).fill(0);
  for (const y of ys) counts[y]++;
  const sampleWeight = ys.map((y) => (opts.balanced === false ? 1 : n / (K * Math.max(1, counts[y]))));
  const wsum = sampleWeight.reduce((a, b) => a + b, 0);

  // parameters: K x (d + 1), last column is the bias
  const P = Array.from({ length: K }, () => new Array<number>(d + 1).fill(0));
  const m = P.map((r) => r.map(() => 0));
  const v = P.map((r) => r.map(() => 0));
  const lr = 0.05;
  const logits = new Array<number>(K).fill(0);
  for (let it = 1; it <= iterations; it++) {
    const grad = P.map((r) => r.map(() => 0));
    // The same sums as softmax(P z) row by row, written out: this loop runs rows x iterations
    // times (nested cross-validation fits the layer some 26 times).
    for (let i = 0; i < n; i++) {
      const z = zs[i];
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        const row = P[k];
        let s = 0;
        for (let j = 0; j < d; j++) s += row[j] * z[j];
        s += row[d];
        logits[k] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        logits[k] = Math.exp(logits[k] - max);
        sum += logits[k];
      }
      for (let k = 0; k < K; k++) {
        const g = (sampleWeight[i] * (logits[k] / sum - (ys[i] === k ? 1 : 0))) / wsum;
        const gk = grad[k];
        for (let j = 0; j < d; j++) gk[j] += g * z[j];
        gk[d] += g;
      }
    }
    for (let k = 0; k < K; k++) {
      for (let j = 0; j <= d; j++) {
        const g = grad[k][j] + (j < d ? l2 * P[k][j] : 0);
        m[k][j] = 0.9 * m[k][j] + 0.1 * g;
        v[k][j] = 0.999 * v[k][j] + 0.001 * g * g;
        const mh = m[k][j] / (1 - 0.9 ** it);
        const vh = v[k][j] / (1 - 0.999 ** it);
        P[k][j] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
  }
  return {
    weights: P.map((row) => row.slice(0, d)),
    bias: P.map((row) => row[d]),
  };
}
