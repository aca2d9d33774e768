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
