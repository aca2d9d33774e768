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

/**
 * The prediction's frames moved to cheap positions: each target index within
 * `maxShift` frames of a keyframe moves to that keyframe, and several targets
 * drawn to one keyframe take the frames `stride` apart after it. Decoding a frame
 * costs every reference frame before it in its group of pictures, so frames just
 * after keyframes are what the decoder reaches soonest; targets with no keyframe
 * near (long groups) stay where they are. `offsets[r]` is frame r's position in its
 * group (0 for keyframes, see `groupOffsets`). The result is sorted and distinct
 * when the targets are. Only for the emotion model's frames: the boomerang's frames
 * stay exactly where the seed puts them.
 *
 * @example
 * ```ts
 * // 1 s groups of 30 frames, 15 targets over 150 frames, +-15 frames, 3 apart:
 * nearKeyframeIndices(evenlySpacedIndices(150, 15), offsets, 15, 3);
 * // [0, 3, 6, 30, 33, 36, 60, 63, ...]
 * ```
 */
export function nearKeyframeIndices(
  targets: number[],
  offsets: number[],
  maxShift: number,
  stride: number,
): number[] {
  const keyframes: number[] = [];
  offsets.forEach((o, r) => {
    if (o === 0) keyframes.push(r);
  });
  if (keyframes.length === 0) return [...targets];
  const nearest = (t: number): number | undefined => {
    let best: number | undefined;
    for (const k of keyframes) {
      if (Math.abs(k - t) <= maxShift && (best === undefined || Math.abs(k - t) < Math.abs(best - t)))
        best = k;
    }
    return best;
  };
  const taken = new Set<number>();
  const out: number[] = [];
  const perKeyframe = new Map<number, number>();
  for (const t of targets) {
    const k = nearest(t);
    let pick = t;
    if (k !== undefined) {
      const j = perKeyframe.get(k) ?? 0;
      const candidate = k + j * stride;
      if (candidate < offsets.length && !taken.has(candidate)) {
        pick = candidate;
        perKeyframe.set(k, j + 1);
      }
    }
    if (taken.has(pick)) pick = t;
    taken.add(pick);
    out.push(pick);
  }
  return out.sort((a, b) => a - b);
}
