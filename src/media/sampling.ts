/**
 * `np.linspace(0, total - 1, count).astype(int)` exactly as the seed computes it:
 * `count` frame indices spread evenly from the first to the last frame, truncated
 * towards zero, the last one pinned to `total - 1`. Indices repeat when
 * `count > total` (as numpy's do).
 *
 * @example
 * ```ts
 * evenlySpacedIndices(150, 15); // [0, 10, 21, 31, ..., 138, 149]
 * ```
 */
export function evenlySpacedIndices(total: number, count: number): number[] {
  if (!Number.isInteger(total) || !Number.isInteger(count) || total < 1 || count < 0) {
    throw new RangeError(`evenlySpacedIndices: need total >= 1 and count >= 0 (got ${total}, ${count})`);
  }
  if (count === 0) return [];
  if (count === 1) return [0];
  const stop = total - 1;
  // numpy: step = (stop - start) / (num - 1); y = arange(num) * step + start; y[-1] = stop.
  // Same float64 arithmetic, so the same truncation on values like 20.999999.
  const step = stop / (count - 1);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = Math.trunc(i * step);
  out[count - 1] = stop;
  return out;
}
