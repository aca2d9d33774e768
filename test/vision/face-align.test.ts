import { describe, expect, it } from 'vitest';
import {
  alignedFaceCrop,
  applySimilarity,
  ARCFACE_TEMPLATE_112,
  fitSimilarity,
  meshFivePoints,
} from '../../src/vision/face-align.js';
import type { CropSpec } from '../../src/vision/image-ops.js';

/** Where `sampleCrop` reads output position q (continuous coordinates) from, in the source. */
function sourceOf(crop: CropSpec, out: number, q: readonly [number, number]): [number, number] {
  const s = crop.size / out;
  const dx = q[0] - out / 2;
  const dy = q[1] - out / 2;
  return [
    crop.cx + s * (Math.cos(crop.angle) * dx - Math.sin(crop.angle) * dy),
    crop.cy + s * (Math.sin(crop.angle) * dx + Math.cos(crop.angle) * dy),
  ];
}

/** A 468-point mesh whose five alignment points are `five` (every contour point of an eye at its centre). */
function meshWith(five: [number, number][]): Float32Array {
  const pts = new Float32Array(468 * 3);
  const set = (i: number, p: [number, number]): void => {
    pts[i * 3] = p[0];
    pts[i * 3 + 1] = p[1];
  };
  for (const i of [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246])
    set(i, five[0]);
  for (const i of [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466])
    set(i, five[1]);
  set(1, five[2]);
  set(61, five[3]);
  set(291, five[4]);
  return pts;
}

describe('5-point similarity alignment', () => {
  it('fitSimilarity recovers a known rotation, scale and shift exactly', () => {
    const truth = { a: 2.1 * Math.cos(0.3), b: 2.1 * Math.sin(0.3), tx: 40, ty: -12 };
    const from = ARCFACE_TEMPLATE_112.map((p) => [p[0], p[1]] as [number, number]);
    const to = from.map((p) => applySimilarity(truth, p));
    const m = fitSimilarity(from, to);
    expect(m.a).toBeCloseTo(truth.a, 9);
    expect(m.b).toBeCloseTo(truth.b, 9);
    expect(m.tx).toBeCloseTo(truth.tx, 9);
    expect(m.ty).toBeCloseTo(truth.ty, 9);
  });

  it('is the least-squares fit when the points are not exactly similar', () => {
    const from: [number, number][] = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const to: [number, number][] = [
      [0, 0],
      [2, 0],
      [0, 2],
      [2, 2.4],
    ];
    const m = fitSimilarity(from, to);
    const cost = (mm: typeof m): number =>
      from.reduce((s, p, i) => {
        const q = applySimilarity(mm, p);
        return s + (q[0] - to[i][0]) ** 2 + (q[1] - to[i][1]) ** 2;
      }, 0);
    for (const d of [1e-3, -1e-3])
      for (const key of ['a', 'b', 'tx', 'ty'] as const)
        expect(cost({ ...m, [key]: m[key] + d })).toBeGreaterThan(cost(m));
  });

  it("a face's five mesh points land on the ArcFace template of the aligned crop, rolled and scaled", () => {
    // The template placed in a 640x480 frame: scaled 2.7x, rolled 20 degrees, shifted.
    const angle = (20 * Math.PI) / 180;
    const placed = { a: 2.7 * Math.cos(angle), b: 2.7 * Math.sin(angle), tx: 210, ty: 95 };
    const five = ARCFACE_TEMPLATE_112.map((p) => applySimilarity(placed, [p[0] + 0.5, p[1] + 0.5]));
    const mesh = meshWith(five);
    expect(meshFivePoints(mesh)).toEqual(five.map(([x, y]) => [Math.fround(x), Math.fround(y)]));
    for (const out of [112, 224]) {
      const crop = alignedFaceCrop(mesh, out);
      ARCFACE_TEMPLATE_112.forEach((t, i) => {
        const k = out / 112;
        const [x, y] = sourceOf(crop, out, [t[0] * k + 0.5, t[1] * k + 0.5]);
        expect(x).toBeCloseTo(five[i][0], 3);
        expect(y).toBeCloseTo(five[i][1], 3);
      });
      expect(crop.angle).toBeCloseTo(angle, 6);
      expect(crop.size).toBeCloseTo(112 * 2.7, 3);
      // A margin widens the field around the same centre, at the same roll (the aligned model's
      // `aligned.margin`).
      const wider = alignedFaceCrop(mesh, out, 1.1);
      expect(wider.cx).toBeCloseTo(crop.cx, 6);
      expect(wider.cy).toBeCloseTo(crop.cy, 6);
      expect(wider.angle).toBeCloseTo(crop.angle, 9);
      expect(wider.size).toBeCloseTo(crop.size * 1.1, 6);
    }
  });

  it('names the eyes and mouth corners by their place in the image, as the template does', () => {
    const five: [number, number][] = [
      [100, 100],
      [160, 100],
      [130, 130],
      [108, 160],
      [152, 160],
    ];
    // The same face with its subject-left and subject-right points swapped (a mirrored frame).
    const swapped = meshWith([five[1], five[0], five[2], five[4], five[3]]);
    expect(meshFivePoints(swapped)).toEqual(five);
  });
});
