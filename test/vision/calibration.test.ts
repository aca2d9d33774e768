import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  featureVector,
  fitLogistic,
  framePosterior,
  identityCalibration,
  loadCalibration,
  softmax,
  validateCalibration,
} from '../../src/vision/calibration.js';
import { mapFer7To5 } from '../../src/vision/emotions.js';

const GEOMETRY = [0.1, 0.9, 0.05, 0.15, 0.3, 0.45, 0.35, 1.2];

describe('calibration layer', () => {
  it('without weights gives the average of the two models, mapped to five classes', () => {
    const p7 = [0.1, 0.05, 0.2, 0.3, 0.15, 0.1, 0.1];
    const q7 = [0, 0, 0, 1, 0, 0, 0];
    const p5 = mapFer7To5(p7);
    const post = framePosterior({ p7, q7, geometry: GEOMETRY }, identityCalibration());
    post.forEach((p, k) => expect(p).toBeCloseTo((p5[k] + (k === 1 ? 1 : 0)) / 2, 3));
  });

  it('feature vectors are log-probabilities of both models then geometry, as named', () => {
    const x = featureVector({ p7: [0, 0, 0, 1, 0, 0, 0], q7: [1, 0, 0, 0, 0, 0, 0], geometry: GEOMETRY });
    expect(x).toHaveLength(FEATURE_NAMES.length);
    expect(x[1]).toBeCloseTo(Math.log(1 + 1e-4));
    expect(x[5]).toBeCloseTo(Math.log(1 + 1e-4));
    expect(x.slice(10)).toEqual(GEOMETRY);
  });

  it('softmax is stable for large logits', () => {
    const p = softmax([1000, 1000, 0]);
    expect(p[0]).toBeCloseTo(0.5);
    expect(p[2]).toBeCloseTo(0);
  });

  it('fitLogistic learns a separable toy problem and standardises features', () => {
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 20; i++) {
        const x = new Array<number>(FEATURE_NAMES.length)
          .fill(0)
          .map((_, j) => (j === k ? 5 : 0) + Math.sin(i * 7 + j) * 0.5);
        xs.push(x);
        ys.push(k);
      }
    }
    const fitted = fitLogistic(xs, ys, { l2: 0.001, iterations: 500 });
    const cal = { ...identityCalibration(), ...fitted };
    expect(fitted.mean[0]).toBeCloseTo(1, 1);
    let correct = 0;
    xs.forEach((x, i) => {
      const z = x.map((v, j) => (v - cal.mean[j]) / cal.std[j]);
      const logits = cal.weights.map((row, k) => row.reduce((s, w, j) => s + w * z[j], cal.bias[k]));
      if (logits.indexOf(Math.max(...logits)) === ys[i]) correct++;
    });
    expect(correct / xs.length).toBe(1);
  });

  it('the committed calibration loads and is well-formed; malformed files are refused', async () => {
    const cal = await loadCalibration();
    expect(cal.version).toBe(1);
    expect(cal.expressionMargin).toBeGreaterThan(0.5);
    expect(() => validateCalibration({ version: 1, weights: [[1]] })).toThrow(/invalid calibration/);
    expect(() => validateCalibration({ ...cal, weights: [[1, 2]], bias: [0] })).toThrow(
      /invalid calibration/,
    );
  });
});
