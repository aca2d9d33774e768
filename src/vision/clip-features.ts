/**
 * Clip-level context for the per-frame features. A talking mouth opens and closes, so one
 * frame's mouth opening says "surprise" half of the time someone speaks; a surprised mouth
 * stays open. Each frame of a clip therefore sees the clip's low quantile of mouth opening and
 * jaw drop instead of its own: low for a talking clip, still high for a held surprise. A one-frame
 * input (a still image) is left as it is. Used alike by the fit (`calibrate`) and by pooling.
 */
import type { ModelOutputs } from './calibration.js';
import { GEOMETRY_FEATURES } from './geometry.js';

/** The geometry a talking mouth moves. */
export const SPEECH_GEOMETRY: readonly number[] = [
  GEOMETRY_FEATURES.indexOf('mouth_open'),
  GEOMETRY_FEATURES.indexOf('jaw_drop'),
];

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1) + 0.5)))];
}

/**
 * The frames with mouth opening and jaw drop replaced by the clip's `q` quantile over its frames
 * with a face. Unchanged when `q` is undefined or fewer than two frames have a face.
 */
export function speechRobustFrames<T extends ModelOutputs>(
  frames: (T | null)[],
  q: number | undefined,
): (T | null)[] {
  if (q === undefined) return frames;
  const faced = frames.filter((f): f is T => f !== null);
  if (faced.length < 2) return frames;
  const held = new Map(
    SPEECH_GEOMETRY.map((i) => [
      i,
      quantile(
        faced.map((f) => f.geometry[i]),
        q,
      ),
    ]),
  );
  return frames.map(
    (f) =>
      f && {
        ...f,
        geometry: Array.from(f.geometry, (g, i) => held.get(i) ?? g),
      },
  );
}

/**
 * Which of a clip's `count` frames with a face the aligned expression model sees when it sees
 * `k` of them: spread evenly (the middle of each of k equal runs), all when k >= count.
 */
export function alignedFramePicks(count: number, k: number): number[] {
  if (k >= count) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: k }, (_, j) => Math.floor(((j + 0.5) * count) / k));
}

/** Mean of equal-length vectors. */
export function meanVector(vectors: ArrayLike<number>[]): number[] {
  const out = new Array<number>(vectors[0].length).fill(0);
  for (const v of vectors) for (let j = 0; j < out.length; j++) out[j] += v[j] / vectors.length;
  return out;
}

/**
 * The clip's aligned view: the aligned model sees `k` of the clip's frames with a face
 * (`alignedFramePicks`), and every frame with a face reads their mean logits (one view of the
 * clip, as the main layer was fitted on clip means). The pipeline runs the model on those frames
 * only; `eval` and `calibrate`, whose cached features have the logits of every frame, get the
 * same answer through this function (the pipeline's frames without logits get the mean too).
 * One-frame inputs stay as they are.
 */
export function alignedClipView<T extends ModelOutputs>(
  frames: (T | null)[],
  k: number | undefined,
): (T | null)[] {
  if (k === undefined || frames.length < 2) return frames;
  const faced = frames.filter((f): f is T => f !== null && f.m7 !== undefined);
  if (faced.length === 0) return frames;
  const m7 = meanVector(alignedFramePicks(faced.length, k).map((i) => faced[i].m7!));
  return frames.map((f) => f && { ...f, m7 });
}
