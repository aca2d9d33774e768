/**
 * Fitting the calibration's logistic layers (used by `calibrate`, never by the service, which
 * only applies what was fitted: see calibration.ts).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Layer } from './calibration.js';

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
  /**
   * With `rank`: the first `direct` features enter the fit as they are (standardised), only the
   * rest through the principal components (a few strong features among hundreds of
   * embedding values would otherwise be diluted into the leading components).
   */
  direct?: number;
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
  const k = Math.min(opts.direct ?? 0, d);
  const axes = principalAxes(
    zs.map((z) => z.slice(k)),
    rank,
  );
  const { weights, bias } = fitSoftmax(
    zs.map((z) => [...z.slice(0, k), ...axes.project(z.slice(k))]),
    ys,
    opts,
  );
  return { mean, std, weights: weights.map((w) => [...w.slice(0, k), ...axes.unproject(w.slice(k))]), bias };
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
