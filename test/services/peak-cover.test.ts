import { describe, expect, it } from 'vitest';

import type { RgbFrame } from '../../src/media/index.js';
import { peakWindowIndices } from '../../src/services/boomerang-plan.js';
import { MAX_COVER_BYTES, PeakCover } from '../../src/services/peak-cover.js';

const info = { frameCount: 150, fps: 30 };
const samples = [0, 10, 21, 31, 42, 53, 63, 74, 85, 95, 106, 116, 127, 138, 149];
const frame = (index: number): RgbFrame => ({
  index,
  t: index / 30,
  width: 4,
  height: 2,
  data: new Uint8Array(24),
});

/** Feeds every candidate frame, in order, telling the cover each sample's scores once it has passed. */
function run(cover: PeakCover, scores: number[][]): void {
  const request = cover.request(480, undefined);
  let next = 0;
  for (const i of request.indices) {
    for (; next < samples.length && samples[next] < i - 20; next++) cover.scored(next, scores[next]);
    if (request.stream!.keep(i)) request.onFrame!(i, frame(i));
  }
  for (; next < samples.length; next++) cover.scored(next, scores[next]);
}

describe('PeakCover', () => {
  const flat = samples.map(() => [0.2, 0.2, 0.2, 0.2, 0.2]);

  it("asks for every frame of every sample's window, and serves the final peak's window when it kept it", () => {
    const cover = new PeakCover(info, samples, 15, [0, 30, 60, 90, 120]);
    const windows = samples.map((s) => peakWindowIndices(info, s / 30, 15, [0, 30, 60, 90, 120]));
    expect(cover.candidates()).toEqual([...new Set(windows.flat())].sort((a, b) => a - b));
    const scores = flat.map((p, s) => (s === 9 ? [0.1, 0.7, 0.1, 0.05, 0.05] : p));
    run(cover, scores);
    const got = cover.take(95 / 30)!;
    expect(got.indices).toEqual(windows[9]);
    expect(got.frames.map((f) => f.index)).toEqual(windows[9]);
  });

  it('drops the frames of samples that can no longer be a peak, and says so when the final window is gone', () => {
    const cover = new PeakCover(info, samples, 15, []);
    // Sample 2 leads every emotion: the others' frames go once they are scored.
    const scores = flat.map((p, s) => (s === 2 ? [0.9, 0.9, 0.9, 0.9, 0.9] : p));
    run(cover, scores);
    expect(cover.stats.peakFrames).toBeLessThan(cover.candidates().length);
    expect(cover.take(21 / 30)).toBeDefined();
    const again = new PeakCover(info, samples, 15, []);
    run(again, scores);
    // The clip's context moved the peak to a sample whose frames were dropped: no cover from the buffer.
    expect(again.take(127 / 30)).toBeUndefined();
  });

  it('pays off with long groups of pictures, not with short ones, and never beyond its memory', () => {
    const cover = new PeakCover(info, samples, 15, []);
    // One group for the whole clip: a window decode costs every frame up to the window's end.
    const longGop = (indices: Iterable<number>): number => Math.max(-1, ...indices) + 1;
    expect(cover.paysOff(longGop, samples, 100)).toBe(true);
    expect(cover.paysOff(longGop, samples, MAX_COVER_BYTES)).toBe(false);
    // 1 s groups: a window decode starts at its group.
    const shortGop = (indices: Iterable<number>): number => {
      const groups = new Map<number, number>();
      for (const i of indices)
        groups.set(Math.floor(i / 30), Math.max(groups.get(Math.floor(i / 30)) ?? 0, (i % 30) + 1));
      return [...groups.values()].reduce((a, b) => a + b, 0);
    };
    const gops = new PeakCover(info, samples, 15, [0, 30, 60, 90, 120]);
    const near = [0, 5, 10, 30, 35, 40, 60, 65, 70, 90, 95, 100, 120, 125, 130];
    expect(gops.paysOff(shortGop, near, 100)).toBe(false);
  });
});
