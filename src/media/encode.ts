import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AVCOL_PRI_BT709, AVCOL_RANGE_MPEG, AVCOL_SPC_BT709, AVCOL_TRC_BT709 } from 'node-av/constants';

import type { RgbFrame, ThumbnailFormat } from './types.js';
import { VideoWriter, type WriterOptions } from './writer.js';

/** Options for {@link encodeBoomerang}. */
export interface BoomerangOptions {
  format: ThumbnailFormat;
  /** Output frame rate (the seed uses 10). */
  fps: number;
  /** Aborts between frames. */
  signal?: AbortSignal;
}

/** An encoded animated thumbnail, in memory. */
export interface EncodedThumbnail {
  data: Buffer;
  mimeType: string;
  width: number;
  height: number;
  /** Frames in the file: 2N-1 for N input frames. */
  frames: number;
  fps: number;
  /** frames / fps. */
  durationSec: number;
}

const MIME: Record<ThumbnailFormat, string> = { mp4: 'video/mp4', webp: 'image/webp', gif: 'image/gif' };

/**
 * The playing order of a boomerang over `n` frames: forward, then backward
 * without repeating the turning frame (n -> 2n-1 entries). Pure.
 *
 * @example
 * ```ts
 * boomerangOrder(3); // [0, 1, 2, 1, 0]
 * ```
 */
export function boomerangOrder(n: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  for (let i = n - 2; i >= 0; i--) order.push(i);
  return order;
}

/**
 * Encoder and muxer settings per format (pure, exported for tests).
 * - mp4: libx264 High profile, yuv420p (BT.709, limited range, tagged),
 *   `+faststart` so browsers can start before the whole file arrives, no audio.
 * - webp: libwebp_anim, lossy quality 75, loops forever.
 * - gif: one palette for the whole animation (palettegen over all frames, then
 *   paletteuse with ordered dithering: fast, and steady between frames so
 *   it does not shimmer), loops forever.
 */
export function thumbnailWriterOptions(
  format: ThumbnailFormat,
  path: string,
  width: number,
  height: number,
  fps: number,
): WriterOptions {
  const base = { path, width, height, fps };
  // Frames whose size is odd (a caller's own RGB) are trimmed to even sizes, which yuv420p needs.
  const even = width % 2 || height % 2 ? 'crop=trunc(iw/2)*2:trunc(ih/2)*2,' : '';
  switch (format) {
    case 'mp4':
      return {
        ...base,
        width: width & ~1,
        height: height & ~1,
        format: 'mp4',
        encoder: 'libx264',
        pixelFormat: 'yuv420p',
        filter: `${even}scale=out_color_matrix=bt709:out_range=tv,format=yuv420p`,
        color: {
          space: AVCOL_SPC_BT709,
          primaries: AVCOL_PRI_BT709,
          trc: AVCOL_TRC_BT709,
          range: AVCOL_RANGE_MPEG,
        },
        codecOptions: { preset: 'veryfast', profile: 'high', crf: 20 },
        muxerOptions: { movflags: '+faststart' },
      };
    case 'webp':
      return {
        ...base,
        format: 'webp',
        encoder: 'libwebp_anim',
        pixelFormat: 'yuv420p',
        filter: `${even}scale=out_color_matrix=bt601:out_range=tv,format=yuv420p`,
        width: width & ~1,
        height: height & ~1,
        codecOptions: { quality: 75, lossless: 0 },
        muxerOptions: { loop: 0 },
      };
    case 'gif':
      return {
        ...base,
        format: 'gif',
        encoder: 'gif',
        pixelFormat: 'pal8',
        filter:
          'split[a][b];[a]palettegen=stats_mode=full:max_colors=256[p];[b][p]paletteuse=dither=bayer:bayer_scale=3:diff_mode=rectangle',
        muxerOptions: { loop: 0 },
      };
  }
}

/**
 * Encodes frames as a looping "boomerang": forward, then backward without
 * repeating the turning frame (N frames -> 2N-1 frames at `fps`), in memory.
 * The file is written to a private temp folder (muxers such as mp4 with
 * `+faststart` need to seek) and removed before returning.
 *
 * @example
 * ```ts
 * const frames = (await decodeFrames(path, info, [{ indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 480 }]))[0];
 * const thumb = await encodeBoomerang(frames, { format: 'mp4', fps: 10 }); // 29 frames, 2.9 s
 * ```
 */
export async function encodeBoomerang(frames: RgbFrame[], opts: BoomerangOptions): Promise<EncodedThumbnail> {
  if (frames.length === 0) throw new RangeError('encodeBoomerang: no frames');
  if (!(opts.fps > 0)) throw new RangeError('encodeBoomerang: fps must be positive');
  const { width, height } = frames[0];
  for (const f of frames) {
    if (f.width !== width || f.height !== height)
      throw new RangeError('encodeBoomerang: frames differ in size');
    if (f.data.length < width * height * 3) throw new RangeError('encodeBoomerang: short frame buffer');
  }
  const order = boomerangOrder(frames.length);
  const dir = await mkdtemp(join(tmpdir(), 'boomerang-'));
  const path = join(dir, `thumb.${opts.format}`);
  try {
    const wo = thumbnailWriterOptions(opts.format, path, width, height, opts.fps);
    const writer = await VideoWriter.open(wo);
    try {
      for (const i of order) {
        opts.signal?.throwIfAborted();
        const f = frames[i];
        await writer.writePixels(
          Buffer.from(f.data.buffer, f.data.byteOffset, width * height * 3),
          width,
          height,
        );
      }
      await writer.finish();
    } finally {
      await writer.close();
    }
    const data = await readFile(path);
    return {
      data,
      mimeType: MIME[opts.format],
      width: wo.width,
      height: wo.height,
      frames: order.length,
      fps: opts.fps,
      durationSec: Math.round((order.length / opts.fps) * 1000) / 1000,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
