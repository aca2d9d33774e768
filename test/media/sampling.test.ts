import { describe, expect, it } from 'vitest';

import { evenlySpacedIndices } from '../../src/media/sampling.js';

describe('evenlySpacedIndices (np.linspace(0, total-1, count).astype(int))', () => {
  it('matches numpy for the seed case of 150 frames, 15 samples', () => {
    // numpy: np.linspace(0, 149, 15).astype(int)
    expect(evenlySpacedIndices(150, 15)).toEqual([
      0, 10, 21, 31, 42, 53, 63, 74, 85, 95, 106, 117, 127, 138, 149,
    ]);
  });

  it('matches numpy on float truncation edge cases', () => {
    // np.linspace(0, 29, 15).astype(int) and np.linspace(0, 99, 7).astype(int)
    expect(evenlySpacedIndices(30, 15)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 29]);
    expect(evenlySpacedIndices(100, 7)).toEqual([0, 16, 33, 49, 66, 82, 99]);
    // np.linspace(0, 9, 4) = [0, 3, 6, 9]
    expect(evenlySpacedIndices(10, 4)).toEqual([0, 3, 6, 9]);
  });

  it('repeats indices when asking for more samples than frames, like numpy', () => {
    // np.linspace(0, 4, 9).astype(int)
    expect(evenlySpacedIndices(5, 9)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('handles the degenerate counts', () => {
    expect(evenlySpacedIndices(10, 0)).toEqual([]);
    expect(evenlySpacedIndices(10, 1)).toEqual([0]);
    expect(evenlySpacedIndices(1, 3)).toEqual([0, 0, 0]);
    expect(() => evenlySpacedIndices(0, 3)).toThrow(RangeError);
  });

  it('is non-decreasing, starts at 0 and ends at total-1', () => {
    for (const total of [15, 16, 31, 149, 150, 151, 301, 1799]) {
      for (const count of [2, 15, 29, 50]) {
        const idx = evenlySpacedIndices(total, count);
        expect(idx).toHaveLength(count);
        expect(idx[0]).toBe(0);
        expect(idx[count - 1]).toBe(total - 1);
        for (let i = 1; i < count; i++) expect(idx[i]).toBeGreaterThanOrEqual(idx[i - 1]);
      }
    }
  });
});

describe('nearKeyframeIndices (the model frames moved to cheap positions)', () => {
  it('moves targets near keyframes to the frames just after them, keeps far ones, stays sorted and distinct', async () => {
    const { nearKeyframeIndices } = await import('../../src/media/sampling.js');
    // 150 frames in groups of 30 (keyframes at 0, 30, 60, 90, 120).
    const offsets = Array.from({ length: 150 }, (_, r) => r % 30);
    const out = nearKeyframeIndices(evenlySpacedIndices(150, 15), offsets, 15, 3);
    expect(out).toEqual([0, 3, 30, 33, 36, 60, 63, 66, 90, 93, 120, 123, 126, 138, 149]);
    // One keyframe for the whole clip: targets far from it stay where they are.
    const single = Array.from({ length: 150 }, (_, r) => r);
    expect(nearKeyframeIndices([0, 50, 100, 149], single, 15, 3)).toEqual([0, 50, 100, 149]);
    // All-intra: nothing moves.
    const intra = new Array<number>(150).fill(0);
    expect(nearKeyframeIndices([0, 10, 21], intra, 15, 3)).toEqual([0, 10, 21]);
  });
});

describe('packetsToSend (what reaches the decoder)', () => {
  it('sends a needed group up to its last needed packet, an open group before a needed one whole, nothing else', async () => {
    const { packetsToSend } = await import('../../src/media/packet-index.js');
    // 3 groups of 4 packets in decode order; pts = presentation rank; group 2 open (non-IDR keyframe).
    const pts = Array.from({ length: 12 }, (_, i) => BigInt(i));
    const index = {
      count: 12,
      pts,
      gop: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
      rank: new Map(pts.map((p, i) => [p, i])),
      closed: [false, true, false],
    };
    expect(packetsToSend(index, (r) => r === 1)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    // Frame 9 is in the open group 2: group 1 goes whole, group 2 up to packet 9.
    expect(packetsToSend(index, (r) => r === 9)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
