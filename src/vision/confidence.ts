/**
 * Honest confidence: the last step between the pooled probabilities and the answer. The
 * calibration layer is fitted for accuracy (classes balanced); its pooled probabilities are not
 * frequencies. A temperature and a per-class bias on their logs ("vector scaling" with one shared
 * scale), fitted on answers for people held out of the layer's fit, make `confidence` mean what it
 * says: of the answers given with confidence 0.7, about 70 % are right.
 */
import { softmax } from './emotions.js';

/**
 * p' = softmax(log(p) / (temperature x (1 + disagreement x (1 - agreement))) + bias), EMOTIONS5
 * order. `agreement` is the share of a clip's faced frames whose own answer is the clip's (1 for
 * a one-frame input): a clip whose frames disagree is answered less confidently.
 */
export interface AnswerScaling {
  temperature: number;
  /** Per-class offsets (class-prior correction); five zeros when not fitted. */
  bias: number[];
  /** How much the temperature grows as a clip's frames disagree; absent (0) for one-frame inputs. */
  disagreement?: number;
}

/**
 * Below this confidence an answer is flagged `uncertain` (the label stays): an app shows "mixed
 * feelings" for it. How many answers fall under it and how often those are right, with the
 * committed calibration, is measured in src/vision/README.md (the latest "accuracy against the
 * share answered" table) and quoted in the README's `uncertain` paragraph; not here, where it
 * would go stale at the next refit.
 */
export const UNCERTAIN_BELOW = 0.5;

export function isUncertain(confidence: number): boolean {
  return confidence < UNCERTAIN_BELOW;
}

export const IDENTITY_SCALING: AnswerScaling = { temperature: 1, bias: [0, 0, 0, 0, 0] };

const EPS = 1e-6;

export function applyScaling(
  probs: ArrayLike<number>,
  s: AnswerScaling | undefined,
  agreement = 1,
): number[] {
  const p = Array.from(probs);
  if (!s) return p;
  const t = s.temperature * (1 + (s.disagreement ?? 0) * (1 - agreement));
  return softmax(p.map((v, k) => Math.log(v + EPS) / t + (s.bias[k] ?? 0)));
}

export interface ScalingFitOptions {
  /** Fit the per-class bias too (needs a few hundred answers; else the temperature alone). */
  bias?: boolean;
  /** Weak pull of the bias towards 0 (log-odds units), so a small set does not overfit. */
  l2?: number;
  iterations?: number;
  /**
   * Each answer's frame agreement (clips): also fit how much the temperature grows as the
   * frames disagree. Absent: that part stays 0.
   */
  agreements?: number[];
}

/**
 * Fit the scaling by minimising the negative log-likelihood of the true classes on held-out
 * answers (`probs`: pooled probabilities, `ys`: class indices). 6 parameters; plain Adam.
 */
export function fitScaling(probs: number[][], ys: number[], opts: ScalingFitOptions = {}): AnswerScaling {
  const n = probs.length;
  if (n === 0) return { ...IDENTITY_SCALING, bias: [...IDENTITY_SCALING.bias] };
  const fitBias = opts.bias ?? true;
  const l2 = opts.l2 ?? 0.01;
  const iterations = opts.iterations ?? 1500;
  const logs = probs.map((p) => p.map((v) => Math.log(v + EPS)));
  const agreements = opts.agreements;
  // parameters: a = log(1 / temperature), bias[5], g = log(disagreement) (from 0.01)
  const theta = [0, 0, 0, 0, 0, 0, Math.log(0.01)];
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const lr = 0.02;
  for (let it = 1; it <= iterations; it++) {
    const grad = theta.map(() => 0);
    const inv = Math.exp(theta[0]);
    const gamma = agreements ? Math.exp(theta[6]) : 0;
    for (let i = 0; i < n; i++) {
      const d = agreements ? 1 - agreements[i] : 0;
      const u = inv / (1 + gamma * d);
      const z = logs[i].map((l, k) => l * u + theta[1 + k]);
      const p = softmax(z);
      for (let k = 0; k < 5; k++) {
        const g = (p[k] - (ys[i] === k ? 1 : 0)) / n;
        grad[0] += g * logs[i][k] * u;
        if (fitBias) grad[1 + k] += g;
        if (agreements) grad[6] -= (g * logs[i][k] * u * gamma * d) / (1 + gamma * d);
      }
    }
    for (let k = 1; k < 6; k++) grad[k] += l2 * theta[k];
    for (let j = 0; j < theta.length; j++) {
      m[j] = 0.9 * m[j] + 0.1 * grad[j];
      v[j] = 0.999 * v[j] + 0.001 * grad[j] ** 2;
      theta[j] -= (lr * (m[j] / (1 - 0.9 ** it))) / (Math.sqrt(v[j] / (1 - 0.999 ** it)) + 1e-8);
    }
  }
  // The bias is defined up to a constant: centre it.
  const b5 = theta.slice(1, 6);
  const mean5 = b5.reduce((s, x) => s + x, 0) / 5;
  return {
    temperature: 1 / Math.exp(theta[0]),
    bias: b5.map((x) => x - mean5),
    ...(agreements ? { disagreement: Math.exp(theta[6]) } : {}),
  };
}
