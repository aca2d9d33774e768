import { describe, expect, it } from 'vitest';

import { softmax } from '../../src/vision/emotions.js';
import { EMOTIONS5 } from '../../src/vision/emotions.js';
import type { ClipPrediction } from '../../src/vision/prediction.js';
import {
  adaptPrediction,
  answerLogits,
  fitSubjectBias,
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
