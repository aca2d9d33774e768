/**
 * Learning one person from their corrections: a per-person shift of the answer's logits.
 *
 * A journaling app knows who is recording and can ask "was it right?". Some people's resting face
 * reads as Sad, others smile while angry: errors that repeat for one person. Two numbers-only
 * estimates of that person's leaning are added to the log of the answer's own probabilities
 * (after the answer scaling), softmax(log p + a), a = b - s:
 *
 * - s, the person's baseline: the mean of their answers' centred log probabilities (the
 *   answers the service has given them, corrected or not, up to SUBJECT_BASELINE_ANSWERS of the
 *   latest) minus the population's mean answer, shrunk towards 0 by SUBJECT_BASELINE_PRIOR
 *   pseudo-answers. Posed or not, a person's answers lean where their face leans; subtracting the
 *   lean is what "a neutral baseline" does on the answer. It assumes the person shows each
 *   emotion about as often as people in general; the corrections below pull it back when they
 *   do not (src/vision/README.md, issue 18 part 3, measures what a skewed person loses).
 * - b, the bias the corrections ask for on top of the baseline: regularised multinomial logistic
 *   regression over the bias alone (Newton's method on 5 parameters), fitted on the corrected
 *   answers' logits with the baseline subtracted, pulled towards 0 by an L2 penalty.
 *
 * Since the answer scaling is softmax(log q / T + c), a is the same as adding T x a to the pooled
 * log probabilities before it, so the service needs only the five numbers of each answer, from
 * whichever engine gave it. Pure: numbers in, numbers out (no store, no models).
 */
import { softmax } from './emotions.js';
import { argmax, EMOTIONS5, type Emotion5 } from './emotions.js';
import type { ClipPrediction } from './prediction.js';

/** One corrected answer: the log of the uncorrected answer's probabilities and the true class. */
export interface SubjectExample {
  /** log p of the answer as given without any subject bias, EMOTIONS5 order. */
  logits: number[];
  /** Index into EMOTIONS5 of the emotion the person said it was. */
  label: number;
}

export interface SubjectFitOptions {
  /** L2 penalty on the bias (log-odds units); see SUBJECT_BIAS_L2. */
  l2?: number;
  /** Newton steps (the problem is 5-dimensional and smooth: a handful converge). */
  iterations?: number;
  /** Pseudo-answers the baseline is shrunk with; see SUBJECT_BASELINE_PRIOR. */
  prior?: number;
  /** The share of the lean taken off; see SUBJECT_BASELINE_WEIGHT. */
  weight?: number;
  /** The population's mean answer the baseline is measured from; see POPULATION_ANSWER_MEAN. */
  populationMean?: readonly number[];
}

/**
 * The pull of the bias towards 0, chosen with the baseline by person-grouped nested
 * cross-validation on the development split (src/vision/README.md, issue 18 part 3); a weaker
 * pull lets a few corrections swing the answers (more people lose).
 */
export const SUBJECT_BIAS_L2 = 2;
/** The bias is kept within +-this (log-odds) whatever the corrections say. */
export const SUBJECT_BIAS_LIMIT = 4;

/**
 * The baseline is shrunk towards the population by this many pseudo-answers: with m answers it
 * moves m / (m + prior) of the way to the person's own mean (chosen with SUBJECT_BIAS_L2).
 */
export const SUBJECT_BASELINE_PRIOR = 3;
/**
 * At most this share of the person's lean is taken off, however many answers: a person who really
 * is sad more often than people are keeps part of it (chosen with SUBJECT_BIAS_L2).
 */
export const SUBJECT_BASELINE_WEIGHT = 0.75;
/** The baseline reads at most this many of the person's latest answers. */
export const SUBJECT_BASELINE_ANSWERS = 200;
/**
 * The population's mean answer: the mean centred log probability (EMOTIONS5 order) of the
 * development split's still faces, each answered by a calibration fitted without that person
 * (`npx tsx scripts/subject-gain.ts gain ... --population-mean` prints it). A person's baseline is
 * how far their own mean answer is from it.
 */
export const POPULATION_ANSWER_MEAN: readonly number[] = [0.298, -0.501, 0.671, -0.132, -0.336];

const EPS = 1e-6;

/** The answer's log probabilities in EMOTIONS5 order (what a correction is fitted on). */
export function answerLogits(probabilities: Record<Emotion5, number>): number[] {
  return EMOTIONS5.map((e) => Math.log(Math.max(probabilities[e], 0) + EPS));
}

/** Solves the symmetric positive definite system a x = b (Gaussian elimination, partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/**
 * The per-class bias that best explains the person's corrections: minimises
 * sum_i -log softmax(z_i + b)[y_i] + l2/2 |b|^2. Five zeros without examples. Centred (the
 * softmax ignores a common shift) and clamped to +-SUBJECT_BIAS_LIMIT.
 */
export function fitSubjectBias(examples: readonly SubjectExample[], opts: SubjectFitOptions = {}): number[] {
  const l2 = opts.l2 ?? SUBJECT_BIAS_L2;
  const iterations = opts.iterations ?? 12;
  const k = EMOTIONS5.length;
  const b = new Array<number>(k).fill(0);
  if (examples.length === 0) return b;
  for (let it = 0; it < iterations; it++) {
    const grad = b.map((v) => l2 * v);
    const hess = b.map((_, i) => b.map((__, j) => (i === j ? l2 : 0)));
    for (const ex of examples) {
      const p = softmax(ex.logits.map((z, j) => z + b[j]));
      for (let i = 0; i < k; i++) {
        grad[i] += p[i] - (ex.label === i ? 1 : 0);
        for (let j = 0; j < k; j++) hess[i][j] += (i === j ? p[i] : 0) - p[i] * p[j];
      }
    }
    const step = solve(hess, grad);
    for (let i = 0; i < k; i++) b[i] -= step[i];
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return centred(b).map((v) => Math.min(SUBJECT_BIAS_LIMIT, Math.max(-SUBJECT_BIAS_LIMIT, v)));
}

/** z minus its mean (the softmax ignores a common shift, so answers are compared centred). */
export function centred(z: readonly number[]): number[] {
  const mean = z.reduce((a, v) => a + v, 0) / z.length;
  return z.map((v) => v - mean);
}

/**
 * The person's baseline s: weight x the sum over their answers of (centred log p -
 * POPULATION_ANSWER_MEAN), divided by (answers + prior). Five zeros without answers.
 */
export function subjectBaseline(
  answers: readonly (readonly number[])[],
  opts: Pick<SubjectFitOptions, 'prior' | 'weight' | 'populationMean'> = {},
): number[] {
  const { prior = SUBJECT_BASELINE_PRIOR, weight = SUBJECT_BASELINE_WEIGHT } = opts;
  const populationMean = opts.populationMean ?? POPULATION_ANSWER_MEAN;
  const sum = new Array<number>(EMOTIONS5.length).fill(0);
  for (const z of answers) centred(z).forEach((v, j) => (sum[j] += v - populationMean[j]));
  return sum.map((v) => (weight * v) / (answers.length + prior));
}

export interface SubjectLearning {
  /** The corrected answers (log p as first given, and the emotion the person said). */
  corrections: readonly SubjectExample[];
  /** The log p of the person's answers the baseline is read from (corrected ones included). */
  answers: readonly (readonly number[])[];
}

/**
 * What is added to the log probabilities of the person's answers: the corrections' bias on top
 * of the baseline, minus the baseline (centred). Five zeros without corrections: a person who
 * never corrected an answer gets the model's answers as they are, whatever they were answered.
 */
export function fitSubjectAdjustment(learning: SubjectLearning, opts: SubjectFitOptions = {}): number[] {
  if (learning.corrections.length === 0) return new Array<number>(EMOTIONS5.length).fill(0);
  const s = subjectBaseline(learning.answers, opts);
  const b = fitSubjectBias(
    learning.corrections.map((c) => ({ logits: c.logits.map((z, j) => z - s[j]), label: c.label })),
    opts,
  );
  return centred(b.map((v, j) => v - s[j]));
}

/** True when the bias changes nothing (no corrections, or corrections that cancel out). */
export function isZeroBias(bias: readonly number[]): boolean {
  return bias.every((v) => v === 0);
}

/**
 * The answer as the person's bias moves it: emotion, confidence and probabilities. The timeline
 * (the model's per-frame view) and the peak are left as the model saw them. A zero bias returns
 * the answer itself, so an answer for a person without corrections is exactly the uncorrected one.
 */
export function adaptPrediction<T extends ClipPrediction>(prediction: T, bias: readonly number[]): T {
  if (isZeroBias(bias)) return prediction;
  const z = answerLogits(prediction.probabilities);
  const probs = softmax(z.map((v, k) => v + (bias[k] ?? 0)));
  const best = argmax(probs);
  return {
    ...prediction,
    emotion: EMOTIONS5[best],
    confidence: probs[best],
    probabilities: Object.fromEntries(EMOTIONS5.map((e, k) => [e, probs[k]])) as Record<Emotion5, number>,
  };
}
