import { describe, expect, it } from 'vitest';
import {
  applyScaling,
  fitScaling,
  IDENTITY_SCALING,
  isUncertain,
  UNCERTAIN_BELOW,
} from '../../src/vision/confidence.js';
import { accuracyCoverage, expectedCalibrationError, type Scored } from '../../src/vision/evaluation.js';
import { EMOTIONS5 } from '../../src/vision/emotions.js';
import { seededRandom } from '../helpers/random.js';

/** Over-confident answers: right 60 % of the time, each given with confidence ~0.95. */
function overconfident(n: number, seed = 1): { probs: number[][]; ys: number[] } {
  const rand = seededRandom(seed);
  const probs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const said = Math.floor(rand() * 5);
    const right = rand() < 0.6;
    const truth = right ? said : (said + 1 + Math.floor(rand() * 4)) % 5;
    const p = [0.0125, 0.0125, 0.0125, 0.0125, 0.0125];
    p[said] = 0.95;
    probs.push(p);
    ys.push(truth);
  }
  return { probs, ys };
}

const scored = (probs: number[][], ys: number[]): Scored[] =>
  probs.map((p, i) => {
    const k = p.indexOf(Math.max(...p));
    return { source: 's', truth: EMOTIONS5[ys[i]], predicted: EMOTIONS5[k], confidence: p[k] };
  });

describe('answer scaling (honest confidence)', () => {
  it('the identity scaling leaves probabilities as they are', () => {
    const p = [0.1, 0.6, 0.1, 0.1, 0.1];
    applyScaling(p, IDENTITY_SCALING).forEach((v, k) => expect(v).toBeCloseTo(p[k], 4));
    expect(applyScaling(p, undefined)).toEqual(p);
  });

  it('a temperature above 1 softens, below 1 sharpens, and keeps the order', () => {
    const p = [0.1, 0.6, 0.1, 0.1, 0.1];
    const soft = applyScaling(p, { temperature: 2, bias: [0, 0, 0, 0, 0] });
    const sharp = applyScaling(p, { temperature: 0.5, bias: [0, 0, 0, 0, 0] });
    expect(soft[1]).toBeLessThan(0.6);
    expect(sharp[1]).toBeGreaterThan(0.6);
    expect(soft.indexOf(Math.max(...soft))).toBe(1);
  });

  it('fitted on over-confident answers it finds a temperature > 1 and brings ECE down', () => {
    const { probs, ys } = overconfident(600);
    const before = expectedCalibrationError(scored(probs, ys));
    const s = fitScaling(probs, ys, { bias: false });
    expect(s.temperature).toBeGreaterThan(1.5);
    expect(s.bias).toEqual([0, 0, 0, 0, 0]);
    const after = expectedCalibrationError(
      scored(
        probs.map((p) => applyScaling(p, s)),
        ys,
      ),
    );
    expect(before).toBeGreaterThan(0.3);
    expect(after).toBeLessThan(0.05);
  });

  it('for clips, tempers the answers whose frames disagree more than those whose frames agree', () => {
    // Every answer said with 0.9; right 95 % of the time when its frames agree, 40 % when half do.
    const rand = seededRandom(7);
    const probs: number[][] = [];
    const ys: number[] = [];
    const agreements: number[] = [];
    for (let i = 0; i < 800; i++) {
      const said = Math.floor(rand() * 5);
      const agreement = i % 2 === 0 ? 1 : 0.5;
      const right = rand() < (agreement === 1 ? 0.95 : 0.4);
      const p = [0.025, 0.025, 0.025, 0.025, 0.025];
      p[said] = 0.9;
      probs.push(p);
      ys.push(right ? said : (said + 1 + Math.floor(rand() * 4)) % 5);
      agreements.push(agreement);
    }
    const plain = fitScaling(probs, ys, { bias: false });
    const s = fitScaling(probs, ys, { bias: false, agreements });
    expect(plain.disagreement).toBeUndefined();
    expect(s.disagreement).toBeGreaterThan(1);
    const conf = (agreement: number) => Math.max(...applyScaling(probs[0]!, s, agreement));
    expect(conf(1)).toBeGreaterThan(0.85);
    expect(conf(0.5)).toBeLessThan(0.55);
    const ece = (scaling: typeof s) =>
      expectedCalibrationError(
        scored(
          probs.map((p, i) => applyScaling(p, scaling, agreements[i])),
          ys,
        ),
      );
    expect(ece(s)).toBeLessThan(ece(plain));
    expect(ece(s)).toBeLessThan(0.06);
    // One-frame inputs (agreement 1) are scaled as before.
    expect(applyScaling(probs[0]!, { ...plain, disagreement: 3 })).toEqual(applyScaling(probs[0]!, plain));
  });

  it('the class bias corrects a prior the answers over-use, and is centred', () => {
    // The model says Happy (1) half of the time when the truth is Neutral (3).
    const rand = seededRandom(7);
    const probs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 800; i++) {
      const y = Math.floor(rand() * 5);
      const p = [0.1, 0.1, 0.1, 0.1, 0.1];
      p[y] = 0.6;
      if (y === 3 && rand() < 0.5) {
        p[3] = 0.3;
        p[1] = 0.4;
      }
      const sum = p.reduce((a, b) => a + b, 0);
      probs.push(p.map((v) => v / sum));
      ys.push(y);
    }
    const s = fitScaling(probs, ys, { bias: true });
    expect(s.bias[3]).toBeGreaterThan(s.bias[1]);
    expect(s.bias.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
  });

  it('flags answers below the documented threshold as uncertain', () => {
    expect(UNCERTAIN_BELOW).toBeGreaterThan(0.2);
    expect(UNCERTAIN_BELOW).toBeLessThan(1);
    expect(isUncertain(UNCERTAIN_BELOW - 0.01)).toBe(true);
    expect(isUncertain(UNCERTAIN_BELOW)).toBe(false);
    expect(isUncertain(0.99)).toBe(false);
  });
});

describe('accuracy against coverage', () => {
  it('abstaining below a threshold answers fewer rows, more of them right', () => {
    const items: Scored[] = [
      { source: 's', truth: 'Happy', predicted: 'Happy', confidence: 0.9 },
      { source: 's', truth: 'Sad', predicted: 'Sad', confidence: 0.8 },
      { source: 's', truth: 'Sad', predicted: 'Neutral', confidence: 0.45 },
      { source: 's', truth: 'Anger', predicted: 'Shock', confidence: 0.35 },
      { source: 's', truth: 'Anger', predicted: null },
    ];
    const curve = accuracyCoverage(items, [0, 0.4, 0.5]);
    expect(curve).toEqual([
      { threshold: 0, answered: 1, accuracy: 0.5 },
      { threshold: 0.4, answered: 0.75, accuracy: 0.6667 },
      { threshold: 0.5, answered: 0.5, accuracy: 1 },
    ]);
  });
});
