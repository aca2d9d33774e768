import { describe, expect, it } from 'vitest';
import {
  BASE_FEATURE_NAMES,
  calibratedLogits,
  EMBEDDING_SIZE,
  FEATURE_NAMES,
  featureNames,
  featureVector,
  framePosterior,
  identityCalibration,
  loadCalibration,
  validateCalibration,
  type Layer,
} from '../../src/vision/calibration.js';
import { argmax, mapFer7To5, softmax } from '../../src/vision/emotions.js';
import { fitLogistic, principalAxes } from '../../src/vision/fit-layer.js';

const GEOMETRY = [0.1, 0.9, 0.05, 0.15, 0.3, 0.45, 0.35, 1.2];

/** Share of the rows a fitted layer puts in their own class. */
function trainingAccuracy(xs: number[][], ys: number[], layer: Layer): number {
  return xs.filter((x, i) => argmax(calibratedLogits(x, layer)) === ys[i]).length / xs.length;
}

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
    expect(x).toHaveLength(BASE_FEATURE_NAMES.length);
    expect(x[1]).toBeCloseTo(Math.log(1 + 1e-4));
    expect(x[5]).toBeCloseTo(Math.log(1 + 1e-4));
    expect(x.slice(10)).toEqual(GEOMETRY);
  });

  it('with embeddings, both nets embeddings follow the base features; a missing one is an error', () => {
    const ef = Array.from({ length: EMBEDDING_SIZE }, (_, i) => i);
    const ea = Array.from({ length: EMBEDDING_SIZE }, (_, i) => -i);
    const outputs = { p7: [0, 0, 0, 1, 0, 0, 0], q7: [1, 0, 0, 0, 0, 0, 0], geometry: GEOMETRY, ef, ea };
    const x = featureVector(outputs, true);
    expect(x).toHaveLength(FEATURE_NAMES.length);
    expect(x.slice(18, 18 + EMBEDDING_SIZE)).toEqual(ef);
    expect(x.slice(18 + EMBEDDING_SIZE)).toEqual(ea);
    expect(() => featureVector({ ...outputs, ea: undefined }, true)).toThrow(/embeddings/);
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
        const x = new Array<number>(BASE_FEATURE_NAMES.length)
          .fill(0)
          .map((_, j) => (j === k ? 5 : 0) + Math.sin(i * 7 + j) * 0.5);
        xs.push(x);
        ys.push(k);
      }
    }
    const fitted = fitLogistic(xs, ys, { l2: 0.001, iterations: 500 });
    const cal = { ...identityCalibration(), ...fitted };
    expect(fitted.mean[0]).toBeCloseTo(1, 1);
    expect(trainingAccuracy(xs, ys, cal)).toBe(1);
  });

  it.each([40, 4])(
    'principal axes (%i rows of 6): weights on the components fold back onto the features exactly',
    (rows) => {
      const raw = Array.from({ length: rows }, (_, i) =>
        Array.from({ length: 6 }, (_, j) => Math.sin(i * 1.3 + j * 0.7) + (j < 2 ? Math.cos(i) : 0)),
      );
      // centred, as fitLogistic's standardised rows are
      const means = raw[0].map((_, j) => raw.reduce((s, r) => s + r[j], 0) / raw.length);
      const zs = raw.map((r) => r.map((v, j) => v - means[j]));
      const axes = principalAxes(zs, 3);
      expect(axes.project(zs[0])).toHaveLength(3);
      const w = [0.5, -1, 2];
      const folded = axes.unproject(w);
      for (const z of zs.slice(0, 5)) {
        const viaComponents = axes.project(z).reduce((s, c, k) => s + c * w[k], 0);
        const viaFeatures = folded.reduce((s, v, j) => s + v * z[j], 0);
        expect(viaFeatures).toBeCloseTo(viaComponents, 8);
      }
      // whitened: every component has unit variance over the rows
      const comps = zs.map((z) => axes.project(z));
      for (let c = 0; c < 3; c++) {
        const m = comps.reduce((s, v) => s + v[c], 0) / comps.length;
        const v = comps.reduce((s, x) => s + (x[c] - m) ** 2, 0) / comps.length;
        expect(v).toBeCloseTo(1, 6);
      }
    },
  );

  it('fitLogistic with a rank: one weight per feature, learnt through few components', () => {
    // 60 noisy features; the class lives in a 5-dimensional subspace
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let k = 0; k < 5; k++)
      for (let i = 0; i < 30; i++) {
        ys.push(k);
        xs.push(Array.from({ length: 60 }, (_, j) => (j % 5 === k ? 3 : 0) + Math.sin(i * 3.1 + j * 1.7)));
      }
    const fitted = fitLogistic(xs, ys, { l2: 0.01, iterations: 500, rank: 8 });
    expect(fitted.weights).toHaveLength(5);
    expect(fitted.weights[0]).toHaveLength(60);
    const layer = { ...identityCalibration(), ...fitted };
    expect(trainingAccuracy(xs, ys, layer)).toBeGreaterThan(0.95);
  });

  it('fitLogistic with a rank and `direct`: the leading features enter as they are, the rest through the components', () => {
    // The class lives in feature 0 alone, drowned among 60 noisy features of larger variance:
    // through 2 components it is lost, passed directly it is learnt.
    const xs: number[][] = [];
    const ys: number[] = [];
    for (let k = 0; k < 5; k++)
      for (let i = 0; i < 30; i++) {
        ys.push(k);
        xs.push([
          k + 0.3 * Math.sin(i * 7.3),
          ...Array.from({ length: 60 }, (_, j) => 5 * Math.sin(i * 3.1 + j * 1.7 + k)),
        ]);
      }
    const reduced = fitLogistic(xs, ys, { l2: 0.01, iterations: 500, rank: 2 });
    const direct = fitLogistic(xs, ys, { l2: 0.01, iterations: 500, rank: 2, direct: 1 });
    expect(direct.weights[0]).toHaveLength(61);
    const accuracy = (fitted: typeof direct) =>
      trainingAccuracy(xs, ys, { ...identityCalibration(), ...fitted });
    expect(accuracy(direct)).toBeGreaterThan(0.9);
    expect(accuracy(direct)).toBeGreaterThan(accuracy(reduced) + 0.2);
  });

  it('a layer reading the aligned model is valid only in the aligned section', async () => {
    const cal = await loadCalibration();
    const names = featureNames({ aligned: true, embeddings: true });
    const layer = {
      features: names,
      mean: names.map(() => 0),
      std: names.map(() => 1),
      weights: Array.from({ length: 5 }, () => names.map(() => 0)),
      bias: [0, 0, 0, 0, 0],
    };
    expect(validateCalibration({ ...cal, aligned: { still: layer } }).aligned?.still).toBeDefined();
    expect(() => validateCalibration({ ...cal, still: layer })).toThrow(/invalid calibration/);
    // a main layer needs the number of a clip's frames the model sees
    const main = { ...layer, features: featureNames({ aligned: true }), mean: [], std: [] };
    const n = main.features.length;
    const mainLayer = {
      ...main,
      mean: new Array<number>(n).fill(0),
      std: new Array<number>(n).fill(1),
      weights: Array.from({ length: 5 }, () => new Array<number>(n).fill(0)),
    };
    expect(() => validateCalibration({ ...cal, aligned: { main: mainLayer } })).toThrow(
      /invalid calibration/,
    );
    expect(
      validateCalibration({ ...cal, aligned: { main: mainLayer, clipFrames: 5 } }).aligned?.clipFrames,
    ).toBe(5);
    // the committed calibration's own section: the still layer reads the aligned logits
    expect(cal.aligned?.still?.features).toEqual(featureNames({ aligned: true, embeddings: true }));
  });

  it('a still-image layer must read the full feature list', async () => {
    const cal = await loadCalibration();
    const width = (n: number) => ({
      features: n === FEATURE_NAMES.length ? FEATURE_NAMES : BASE_FEATURE_NAMES,
      mean: new Array<number>(n).fill(0),
      std: new Array<number>(n).fill(1),
      weights: Array.from({ length: 5 }, () => new Array<number>(n).fill(0)),
      bias: [0, 0, 0, 0, 0],
    });
    expect(validateCalibration({ ...cal, still: width(FEATURE_NAMES.length) }).still).toBeDefined();
    expect(() =>
      validateCalibration({ ...cal, still: { ...width(FEATURE_NAMES.length), mean: [0] } }),
    ).toThrow(/invalid calibration/);
    expect(() =>
      validateCalibration({ ...cal, still: { ...width(BASE_FEATURE_NAMES.length), weights: [] } }),
    ).toThrow(/invalid calibration/);
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
