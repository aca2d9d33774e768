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
