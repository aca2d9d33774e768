import { decodeFrames } from './decode.js';
import { probeVideo } from './probe.js';
import type { RgbFrame } from './types.js';

/** Options for {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Long side of the output (aspect kept, never upscaled, even sizes); 0 (default) keeps the source size. */
  maxSide?: number;
  /** Refuse larger pictures with `too_many_pixels` (default 4096 x 4096). */
  maxPixels?: number;
}

/**
 * Decodes a still image (jpg, png, webp, bmp, ...) to one upright RGB24 frame;
 * for a video it returns the first frame. Convenience over
 * {@link probeVideo} + {@link decodeFrames} for still-image inputs such as
 * evaluation rows.
 *
 * @example
 * ```ts
 * const face = await decodeImage('photo.jpg', { maxSide: 256 });
 * ```
 */
export async function decodeImage(path: string, opts: DecodeImageOptions = {}): Promise<RgbFrame> {
  const info = await probeVideo(path, {
    maxPixels: opts.maxPixels ?? 4096 * 4096,
    maxSeconds: Number.POSITIVE_INFINITY,
    minFrames: 1,
  });
  const [[frame]] = await decodeFrames(path, info, [{ indices: [0], maxSide: opts.maxSide ?? 0 }], {
    minFrames: 1,
  });
  return frame;
}
