import { describe, expect, it } from 'vitest';

import { softmax } from '../../src/vision/emotions.js';
import { EMOTIONS5 } from '../../src/vision/emotions.js';
import type { ClipPrediction } from '../../src/vision/prediction.js';
import {
  adaptPrediction,
  answerLogits,
  fitSubjectAdjustment,
  fitSubjectBias,
  POPULATION_ANSWER_MEAN,
  subjectBaseline,
  SUBJECT_BASELINE_PRIOR,
  SUBJECT_BASELINE_WEIGHT,
  SUBJECT_BIAS_L2,
  SUBJECT_BIAS_LIMIT,
  type SubjectExample,
} from '../../src/vision/subject-adaptation.js';

const probs = (p: number[]) =>
  Object.fromEntries(EMOTIONS5.map((e, k) => [e, p[k]])) as ClipPrediction['probabilities'];

const PREDICTION: ClipPrediction = {
  emotion: 'Neutral',
  confidence: 0.5,
  probabilities: probs([0.05, 0.1, 0.05, 0.5, 0.3]),
  frames_analyzed: 15,
  frames_with_face: 15,
  timeline: [
    { t: 0, emotion: 'Neutral', confidence: 0.5, probabilities: probs([0.05, 0.1, 0.05, 0.5, 0.3]) },
  ],
  peak_t: 0,
  peakIndex: 0,
};

/** This person's Sad reads as Neutral. */
const sadReadAsNeutral: SubjectExample = { logits: answerLogits(PREDICTION.probabilities), label: 4 };

describe('per-subject bias', () => {
  it('is zero without corrections, and a zero bias leaves the answer exactly as it was', () => {
    expect(fitSubjectBias([])).toEqual([0, 0, 0, 0, 0]);
    expect(adaptPrediction(PREDICTION, [0, 0, 0, 0, 0])).toBe(PREDICTION);
  });

  it('moves towards the corrected class, centred, more with more corrections, less with a stronger pull', () => {
    const one = fitSubjectBias([sadReadAsNeutral]);
    expect(one[4]).toBeGreaterThan(0);
    expect(one[3]).toBeLessThan(0);
    expect(one.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
    const three = fitSubjectBias([sadReadAsNeutral, sadReadAsNeutral, sadReadAsNeutral]);
    expect(three[4]).toBeGreaterThan(one[4]);
    const pulled = fitSubjectBias([sadReadAsNeutral], { l2: 10 * SUBJECT_BIAS_L2 });
    expect(pulled[4]).toBeLessThan(one[4]);
    expect(pulled[4]).toBeGreaterThan(0);
  });

  it('is the minimum of the penalised log-loss (its gradient vanishes)', () => {
    const examples: SubjectExample[] = [
      sadReadAsNeutral,
      { logits: answerLogits(probs([0.6, 0.1, 0.1, 0.1, 0.1])), label: 0 },
      { logits: answerLogits(probs([0.2, 0.5, 0.1, 0.1, 0.1])), label: 1 },
    ];
    const l2 = 0.7;
    const b = fitSubjectBias(examples, { l2 });
    const grad = b.map((v) => l2 * v);
    for (const ex of examples) {
      const p = softmax(ex.logits.map((z, k) => z + b[k]));
      p.forEach((pk, k) => (grad[k] += pk - (ex.label === k ? 1 : 0)));
    }
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-8);
  });

  it('stays within the limit however many corrections agree', () => {
    const many = Array.from({ length: 500 }, () => sadReadAsNeutral);
    const b = fitSubjectBias(many, { l2: 1e-3 });
    for (const v of b) expect(Math.abs(v)).toBeLessThanOrEqual(SUBJECT_BIAS_LIMIT);
  });

  it("adapts the answer's emotion, confidence and probabilities; the timeline and peak stay the model's", () => {
    const bias = fitSubjectBias([sadReadAsNeutral, sadReadAsNeutral]);
    const adapted = adaptPrediction(PREDICTION, bias);
    expect(adapted.emotion).toBe('Sad');
    expect(adapted.confidence).toBe(adapted.probabilities.Sad);
    expect(Object.values(adapted.probabilities).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(adapted.timeline).toBe(PREDICTION.timeline);
    expect(adapted.peak_t).toBe(PREDICTION.peak_t);
    // The input is not modified.
    expect(PREDICTION.emotion).toBe('Neutral');
  });
});

describe("per-subject baseline (the person's own answers)", () => {
  const zero = [0, 0, 0, 0, 0];
  /** An answer that leans to Sad by `d` log-odds against the others. */
  const leaning = (d: number) => [0, 0, 0, 0, d].map((v, j) => v + POPULATION_ANSWER_MEAN[j]);

  it('is zero without answers, and the mean lean of the answers shrunk by the prior', () => {
    expect(subjectBaseline([])).toEqual(zero);
    const s = subjectBaseline([leaning(2), leaning(2), leaning(2)], { prior: 3, weight: 1 });
    const expected = [-0.4, -0.4, -0.4, -0.4, 1.6].map((v) => (v * 3) / 6);
    s.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 12));
    // Answers as leaning as the population's mean answer have no baseline.
    for (const v of subjectBaseline([[...POPULATION_ANSWER_MEAN]])) expect(v).toBeCloseTo(0, 12);
    // A common shift of an answer's logits changes nothing.
    expect(subjectBaseline([leaning(2).map((v) => v - 7)])).toEqual(
      subjectBaseline([leaning(2)]).map((v) => expect.closeTo(v, 12)),
    );
    // Half the weight, half the baseline.
    const half = subjectBaseline([leaning(2)], { weight: 0.5 });
    subjectBaseline([leaning(2)], { weight: 1 }).forEach((v, j) => expect(half[j]).toBeCloseTo(v / 2, 12));
  });

  it("needs a correction: without one the answers are the model's, however many there are", () => {
    const adjust = fitSubjectAdjustment({
      corrections: [],
      answers: Array.from({ length: 50 }, () => leaning(3)),
    });
    expect(adjust).toEqual(zero);
    expect(adaptPrediction(PREDICTION, adjust)).toBe(PREDICTION);
  });

  it('takes the lean of many answers off, and the corrections are fitted on top of it', () => {
    const answers = Array.from({ length: 30 }, () => leaning(2));
    // A correction that agrees with a Sad answer: the lean is not this person's face after all.
    const sadIsSad: SubjectExample = { logits: leaning(2), label: 4 };
    const withLean = fitSubjectAdjustment({ corrections: [sadIsSad], answers });
    const baseline = subjectBaseline(answers);
    expect(baseline[4]).toBeCloseTo((SUBJECT_BASELINE_WEIGHT * 1.6 * 30) / (30 + SUBJECT_BASELINE_PRIOR), 1);
    // Less Sad than the baseline alone would take off: the correction pulls it back.
    expect(withLean[4]).toBeLessThan(0);
    expect(withLean[4]).toBeGreaterThan(-baseline[4]);
    expect(withLean.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 12);
    // Only the corrections, no other answers known: the bias alone (on the corrected answer's own lean).
    const alone = fitSubjectAdjustment({ corrections: [sadReadAsNeutral], answers: [] });
    fitSubjectBias([sadReadAsNeutral]).forEach((v, j) => expect(alone[j]).toBeCloseTo(v, 12));
  });
});
