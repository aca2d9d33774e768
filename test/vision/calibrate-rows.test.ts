import { describe, expect, it } from 'vitest';
import {
  alignedSection,
  calibrateFromRows,
  type CalibrateSettings,
  extractionCalibration,
  fitWithAlignedModel,
} from '../../src/evaluation/calibration-fit.js';
import { cacheFileFor, poolRow } from '../../src/evaluation/labelled-rows.js';
import type { RowFeatures } from '../../src/evaluation/row-analysis.js';
import { EMOTIONS5 } from '../../src/vision/emotions.js';
import {
  EMBEDDING_SIZE,
  FEATURE_NAMES,
  featureNames,
  forAlignedModel,
  validateCalibration,
} from '../../src/vision/calibration.js';
import { seededRandom } from '../helpers/random.js';

// FER7 index of each of the five classes (angry, happy, surprise, neutral, sad)
const FER7 = [0, 3, 5, 6, 4];

/**
 * Rows whose models are right about 70 % of the time and very sure of themselves either way: the
 * fitted layer must learn to trust them less than they claim.
 */
function syntheticRows(people: number, perPerson: number, clipsEvery: number): RowFeatures[] {
  const rand = seededRandom(42);
  const rows: RowFeatures[] = [];
  for (let p = 0; p < people; p++) {
    for (let j = 0; j < perPerson; j++) {
      const y = Math.floor(rand() * 5);
      const clip = (p * perPerson + j) % clipsEvery === 0;
      const frames = Array.from({ length: clip ? 5 : 1 }, (_, t) => {
        const said = rand() < 0.7 ? y : (y + 1 + Math.floor(rand() * 4)) % 5;
        const p7 = new Array<number>(7).fill(0.02);
        p7[FER7[said]] = 0.88;
        const geometry = [0.1 + 0.05 * rand(), 0.9, 0.02, 0.12, 0.3, 0.45, 0.33, 1.2];
        return { t: t / 5, p7, q7: [...p7], geometry };
      });
      rows.push({
        row: {
          path: `p${p}/${j}.${clip ? 'mp4' : 'jpg'}`,
          source: 'synthetic',
          original_label: EMOTIONS5[y],
          class5: EMOTIONS5[y],
          kind: clip ? 'video' : 'image',
          subject_id: `p${p}`,
        },
        frames,
      });
    }
  }
  return rows;
}

const SETTINGS: CalibrateSettings = {
  l2: 0.01,
  folds: 5,
  poolingBeta: 4,
  expressionMargin: 1,
  faceApiMargin: 1.2,
  flipAverage: false,
  faceApiFlip: false,
  refineMesh: true,
  mouthQuantile: 0.2,
};

/**
 * The same rows with embeddings that know the class better than the models' probabilities do
 * (a noisy one-hot of the class spread over a few dimensions).
 */
function withEmbeddings(rows: RowFeatures[]): RowFeatures[] {
  const rand = seededRandom(7);
  return rows.map((r) => {
    const y = EMOTIONS5.indexOf(r.row.class5);
    return {
      ...r,
      frames: r.frames.map((f) => {
        const e = Array.from({ length: EMBEDDING_SIZE }, (_, i) => (i % 5 === y && i < 40 ? 1 : 0) + rand());
        return f && { ...f, ef: e, ea: e.map((v) => v * 0.5 + rand()) };
      }),
    };
  });
}

/** The same rows with the aligned model's logits, which know the class better on every frame. */
function withAligned(rows: RowFeatures[]): RowFeatures[] {
  const rand = seededRandom(11);
  // ALIGNED_CLASSES index of each of the five classes (angry, happy, surprised, neutral, sad)
  const ALIGNED = [0, 3, 6, 4, 5];
  return rows.map((r) => {
    const y = EMOTIONS5.indexOf(r.row.class5);
    return {
      ...r,
      frames: r.frames.map((f) => {
        const said = rand() < 0.9 ? y : (y + 1) % 5;
        return f && { ...f, m7: Array.from({ length: 7 }, (_, k) => (k === ALIGNED[said] ? 3 : 0) + rand()) };
      }),
    };
  });
}

describe('calibrateFromRows', () => {
  it('with the aligned model: an aligned section beside the unchanged layers; a service without the file applies the old ones', () => {
    const rows = withAligned(syntheticRows(30, 5, 4));
    const without = calibrateFromRows(rows, SETTINGS);
    const withModel = calibrateFromRows(rows, {
      ...SETTINGS,
      aligned: { main: true, still: false, clipFrames: 2 },
    });
    const calibration = {
      ...without.calibration,
      aligned: alignedSection(withModel.calibration, { main: true, still: false }),
    };
    validateCalibration(JSON.parse(JSON.stringify(calibration)));
    expect(calibration.aligned.main?.features).toEqual(featureNames({ aligned: true }));
    expect(calibration.aligned.clipFrames).toBe(2);
    const accuracy = (items: typeof without.heldOut): number =>
      items.filter((i) => i.predicted === i.truth).length / items.length;
    expect(accuracy(withModel.heldOut)).toBeGreaterThan(accuracy(without.heldOut) + 0.1);
    // Without the model file: exactly the layers fitted without it.
    const old = forAlignedModel(calibration, false);
    expect(old).toEqual(without.calibration);
    for (const r of rows) expect(poolRow(r, old)).toEqual(poolRow(r, without.calibration));
    // With it, every answer is pooled by the aligned layers (eval's path: the same as the fit's).
    const applied = forAlignedModel(calibration, true);
    expect(applied.alignedClipFrames).toBe(2);
    const agree = rows.filter((r) => poolRow(r, applied)?.emotion === r.row.class5).length / rows.length;
    expect(agree).toBeGreaterThan(0.85);
  });

  it('an aligned section for stills only leaves clips on the old main layer and its scaling', () => {
    const rows = withAligned(withEmbeddings(syntheticRows(30, 5, 4)));
    const settings = { ...SETTINGS, rank: 8, stillL2: 0.1 };
    const without = calibrateFromRows(rows, settings);
    const withModel = calibrateFromRows(rows, {
      ...settings,
      aligned: { main: false, still: true, clipFrames: 5 },
    });
    const section = alignedSection(withModel.calibration, { main: false, still: true });
    expect(section.main).toBeUndefined();
    expect(section.scaling?.video).toBeUndefined();
    const applied = forAlignedModel({ ...without.calibration, aligned: section }, true);
    expect(applied.weights).toEqual(without.calibration.weights);
    expect(applied.scaling?.video).toEqual(without.calibration.scaling?.video);
    expect(applied.alignedClipFrames).toBeUndefined();
    for (const r of rows.filter((r) => r.row.kind === 'video'))
      expect(poolRow(r, applied)).toEqual(poolRow(r, without.calibration));
  });

  it("the aligned model's margin: extracted with, written into the aligned section, applied only with the model", () => {
    const rows = withAligned(withEmbeddings(syntheticRows(30, 5, 4)));
    const settings = { ...SETTINGS, rank: 8, stillL2: 0.1, alignedMargin: 1.1 };
    expect(extractionCalibration(settings).alignedMargin).toBe(1.1);
    expect(extractionCalibration({ ...settings, alignedMargin: 1 }).alignedMargin).toBeUndefined();
    const fit = fitWithAlignedModel(rows, settings, calibrateFromRows(rows, settings).calibration, {
      aligned: { parts: { main: false, still: true }, label: 'still', clipFrames: 5, direct: true },
      keepBase: true,
    });
    validateCalibration(JSON.parse(JSON.stringify(fit.calibration)));
    expect(fit.calibration.aligned?.margin).toBe(1.1);
    expect(forAlignedModel(fit.calibration, true).alignedMargin).toBe(1.1);
    expect(forAlignedModel(fit.calibration, false).alignedMargin).toBeUndefined();
    expect(() =>
      validateCalibration(
        JSON.parse(
          JSON.stringify({ ...fit.calibration, aligned: { ...fit.calibration.aligned, margin: 5 } }),
        ),
      ),
    ).toThrow();
  });

  it('with a rank, still images get a layer of their own on the embeddings; clips keep the main layer', () => {
    const rows = withEmbeddings(syntheticRows(30, 5, 4));
    const plain = calibrateFromRows(rows, SETTINGS);
    const { calibration, heldOut } = calibrateFromRows(rows, { ...SETTINGS, rank: 8, stillL2: 0.1 });
    validateCalibration(JSON.parse(JSON.stringify(calibration)));
    expect(calibration.still?.features).toEqual(FEATURE_NAMES);
    expect(calibration.still?.weights[0]).toHaveLength(FEATURE_NAMES.length);
    expect(calibration.weights[0]).toHaveLength(18);
    expect(calibration.fitted?.rank).toBe(8);
    const accuracy = (items: typeof heldOut, kind: 'image' | 'video'): number => {
      const of = items.filter((i) => i.kind === kind);
      return of.filter((i) => i.predicted === i.truth).length / of.length;
    };
    // the embeddings carry the class: held-out images gain, clips are answered as before
    expect(accuracy(heldOut, 'image')).toBeGreaterThan(accuracy(plain.heldOut, 'image') + 0.1);
    expect(accuracy(heldOut, 'video')).toBe(accuracy(plain.heldOut, 'video'));
  });

  it('fits the layer and an answer scaling per kind; the nested held-out ECE is reported', () => {
    const rows = syntheticRows(60, 5, 4);
    const { calibration, heldOut, heldOutUnscaled } = calibrateFromRows(rows, SETTINGS);
    validateCalibration(calibration);
    expect(calibration.mouthQuantile).toBe(0.2);
    expect(calibration.scaling?.image?.temperature).toBeGreaterThan(0);
    expect(calibration.scaling?.video?.temperature).toBeGreaterThan(0);
    // 225 images: enough for a class bias; 75 clips: the temperature alone
    expect(calibration.scaling?.image?.bias.some((b) => b !== 0)).toBe(true);
    expect(calibration.scaling?.video?.bias).toEqual([0, 0, 0, 0, 0]);
    expect(heldOut).toHaveLength(rows.length);
    expect(heldOutUnscaled).toHaveLength(rows.length);
    const f = calibration.fitted!;
    expect(f.held_out_people_ece).toBeLessThanOrEqual(0.1);
    expect(Object.keys(f.held_out_people_by_kind as object).sort()).toEqual(['image', 'video']);
  });

  it('fits a class bias on answers of enough people, not on many copies of a few people', () => {
    // 400 clips of 10 people (re-encodes and windows of one person's clips): the temperature alone
    const few = calibrateFromRows(syntheticRows(10, 40, 1), SETTINGS).calibration;
    expect(few.scaling?.video?.bias).toEqual([0, 0, 0, 0, 0]);
    // 300 clips of 60 people: a class bias
    const many = calibrateFromRows(syntheticRows(60, 5, 1), SETTINGS).calibration;
    expect(many.scaling?.video?.bias.some((b) => b !== 0)).toBe(true);
  });

  it('--no-confidence-scaling: no scaling, held-out answers unscaled', () => {
    const rows = syntheticRows(20, 5, 4);
    const { calibration, heldOut, heldOutUnscaled } = calibrateFromRows(rows, {
      ...SETTINGS,
      scaleConfidence: false,
    });
    expect(calibration.scaling).toBeUndefined();
    expect(heldOut).toEqual(heldOutUnscaled);
  });
});

describe('the feature cache of eval and calibrate', () => {
  it("keys a row by the aligned view's field, whether it comes from the aligned section (eval) or is set for extraction (calibrate)", async () => {
    const { loadCalibration } = await import('../../src/vision/calibration.js');
    const committed = await loadCalibration();
    const row = {
      path: 'a.jpg',
      source: 's',
      original_label: 'happy',
      class5: 'Happy',
      kind: 'image',
      subject_id: 'p',
    };
    const plan = { nearKeyframes: true, skipLoopFilter: true };
    const key = (c: typeof committed, aligned = '|aligned') =>
      cacheFileFor('/cache', '/', row, c, plan, aligned);
    const section = committed.aligned!;
    const at = (margin: number) => ({ ...committed, aligned: { ...section, margin } });
    expect(await key(at(1.1))).not.toBe(await key(at(1.2)));
    expect(await key(at(1.1))).toBe(await key({ ...at(1.1), alignedMargin: 1.1 }));
    expect(await key(at(1))).toBe(await key({ ...committed, aligned: { ...section, margin: undefined } }));
    // Without the aligned model its field does not matter.
    expect(await key(at(1.1), '')).toBe(await key(at(1.2), ''));
  });
});
