import { evenlySpacedIndices, type CropRect, type VideoInfo } from '../media/index.js';

export type { CropRect };

/** The seed's boomerang plays sampled frames at 10 fps. */
export const BOOMERANG_FPS = 10;

/**
 * Frames sampled from the source for a boomerang of `durationSec` seconds: the seed takes
 * duration/2 * 10 frames (played forward, then backward without repeating the turning frame).
 */
export function boomerangSourceFrameCount(durationSec: number): number {
  return Math.max(2, Math.round((durationSec / 2) * BOOMERANG_FPS));
}

/** Output frame count of a boomerang made from n source frames. */
export function boomerangOutputFrameCount(n: number): number {
  return n <= 1 ? n : 2 * n - 1;
}

/**
 * Source frame indices for a thumbnail anchored at the clip's most expressive moment:
 * `count` consecutive frames at the output's 10 fps (real-time motion), around `peakT`,
 * shifted to stay inside the clip; a clip too short for that falls back to sampling its
 * whole length. The window is centred on the peak, except that it starts at a keyframe
 * (from `keyframes`, display-order indices) when one lies within a third of the window of
 * the centred start: the peak then stays in the window's middle two thirds, and the decoder
 * starts at the window's first frame instead of decoding the group of pictures before it.
 */
export function peakWindowIndices(
  info: Pick<VideoInfo, 'frameCount' | 'fps'>,
  peakT: number,
  count: number,
  keyframes: readonly number[] = [],
): number[] {
  const fps = info.fps > 0 ? info.fps : 30;
  const stride = Math.max(1, Math.round(fps / BOOMERANG_FPS));
  const span = (count - 1) * stride;
  if (span >= info.frameCount) return evenlySpacedIndices(info.frameCount, count);
  const lastStart = info.frameCount - 1 - span;
  const peakIndex = Math.round(peakT * fps);
  const centred = Math.min(Math.max(0, peakIndex - Math.floor(span / 2)), lastStart);
  const tolerance = Math.floor(span / 3);
  let start = centred;
  for (const k of keyframes) {
    if (k > lastStart || Math.abs(k - centred) > tolerance) continue;
    if (start === centred || Math.abs(k - centred) < Math.abs(start - centred)) start = k;
  }
  return Array.from({ length: count }, (_, i) => start + i * stride);
}

/** The largest centred square of a display frame, on even pixel boundaries. */
export function centreSquare(width: number, height: number): CropRect {
  const side = Math.min(width, height) & ~1;
  return { x: ((width - side) >> 1) & ~1, y: ((height - side) >> 1) & ~1, width: side, height: side };
}
