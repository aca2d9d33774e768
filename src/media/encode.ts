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
 *
 * @example
 * ```ts
 * const frames = (await decodeFrames(path, info, [{ indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 480 }]))[0];
 * const thumb = await encodeBoomerang(frames, { format: 'mp4', fps: 10 }); // 29 frames, 2.9 s
 * ```
 */
export async function encodeBoomerang(frames: RgbFrame[], opts: BoomerangOptions): Promise<EncodedThumbnail> {
  if (frames.length === 0) throw new RangeError('encodeBoomerang: no frames');
  const encoder = new BoomerangEncoder(frames.length, opts);
  return encoder.finish(frames);
}

/**
 * A boomerang encoded while its frames are still arriving: each frame of the playing order
 * goes to the encoder as soon as every frame before it in that order is there (the forward
 * run while the decoder produces the next ones, the backward run once the turning frame has
 * arrived), and {@link finish} writes whatever is left. The file is written to a private temp folder (muxers such as mp4 with
 * `+faststart` need to seek) and removed before returning.
 *
 * @example
 * ```ts
 * const encoder = new BoomerangEncoder(15, { format: 'mp4', fps: 10 });
 * // as frames decode: encoder.add(position, frame)
 * const thumb = await encoder.finish(frames); // the final frames, in order
 * ```
 */
export class BoomerangEncoder {
  private readonly sent: (RgbFrame | undefined)[];
  /** The playing order, and how much of it is already with the encoder. */
  private readonly order: number[];
  private written = 0;
  private chain: Promise<void> = Promise.resolve();
  private output:
    | {
        dir: string;
        path: string;
        writer: VideoWriter;
        /** The frames' size, and the file's (trimmed to even sizes where the format needs it). */
        frame: { width: number; height: number };
        width: number;
        height: number;
      }
    | undefined;
  private opening: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly count: number,
    private readonly opts: BoomerangOptions,
  ) {
    if (!(opts.fps > 0)) throw new RangeError('encodeBoomerang: fps must be positive');
    this.sent = new Array<RgbFrame | undefined>(count);
    this.order = boomerangOrder(count);
  }

  /** Frame `position` (0-based, forward order) has arrived; out-of-range or repeated positions are ignored. */
  add(position: number, frame: RgbFrame): void {
    if (position < 0 || position >= this.count || this.sent[position]) return;
    this.sent[position] = frame;
    // The playing order is written as far as its frames are there: the forward run as it
    // becomes contiguous, the backward run as soon as the turning frame has arrived.
    while (this.written < this.order.length && this.sent[this.order[this.written]!]) {
      const f = this.sent[this.order[this.written++]!]!;
      this.enqueue(f);
    }
  }

  /**
   * Writes what is left of the playing order and returns the file. `frames` are the final
   * frames in order: if one differs from what was streamed (a decode that had to start
   * over), the whole boomerang is encoded again from them.
   */
  async finish(frames: RgbFrame[]): Promise<EncodedThumbnail> {
    if (frames.length !== this.count) throw new RangeError('encodeBoomerang: frame count changed');
    for (const f of frames) checkFrame(f, frames[0]);
    const streamedOk = this.sent.every((f, i) => f === undefined || f === frames[i]);
    if (!streamedOk || this.failure !== undefined) {
      await this.discard();
      return new BoomerangEncoder(this.count, this.opts).finish(frames);
    }
    try {
      for (const i of this.order.slice(this.written)) this.enqueue(frames[i]!);
      await this.chain;
      if (this.failure !== undefined) throw this.failure;
      const out = this.output!;
      await out.writer.finish();
      const data = await readFile(out.path);
      const total = 2 * this.count - 1;
      return {
        data,
        mimeType: MIME[this.opts.format],
        width: out.width,
        height: out.height,
        frames: total,
        fps: this.opts.fps,
        durationSec: Math.round((total / this.opts.fps) * 1000) / 1000,
      };
    } finally {
      await this.discard();
    }
  }

  /** Frees the encoder and its temp folder without a result (idempotent). */
  async discard(): Promise<void> {
    await this.chain.catch(() => undefined);
    const out = this.output;
    this.output = undefined;
    if (!out) return;
    await out.writer.close();
    await rm(out.dir, { recursive: true, force: true });
  }

  private enqueue(frame: RgbFrame): void {
    this.chain = this.chain
      .then(async () => {
        if (this.failure !== undefined) return;
        this.opts.signal?.throwIfAborted();
        await this.open(frame);
        const { writer, frame: size } = this.output!;
        checkFrame(frame, size);
        await writer.writePixels(
          Buffer.from(frame.data.buffer, frame.data.byteOffset, size.width * size.height * 3),
          size.width,
          size.height,
        );
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }

  private open(first: RgbFrame): Promise<void> {
    this.opening ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'boomerang-'));
      const path = join(dir, `thumb.${this.opts.format}`);
      const { width, height } = first;
      const wo = thumbnailWriterOptions(this.opts.format, path, width, height, this.opts.fps);
      try {
        const writer = await VideoWriter.open(wo);
        this.output = { dir, path, writer, frame: { width, height }, width: wo.width, height: wo.height };
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    })();
    return this.opening;
  }
}

/** The still formats of a photo's cover. */
export type StillFormat = 'jpeg' | 'webp' | 'gif';

const STILL_MIME: Record<StillFormat, string> = { jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

/**
 * A photo's cover format for a requested thumbnail format: a one-frame MP4 is no picture
 * a journal can show, so `mp4` (the default) gives a JPEG; `webp` and `gif` give a still
 * image of that format. Pure.
 */
export function stillFormatFor(format: ThumbnailFormat): StillFormat {
  return format === 'mp4' ? 'jpeg' : format;
}

/**
 * Encoder and muxer settings for a still picture (pure, exported for tests): JPEG
 * (full-range 4:2:0, quality scale 3 of 31: about 90 % in other tools' terms), WebP
 * (libwebp, lossy quality 80), GIF (its own palette, as the animated covers).
 */
export function stillWriterOptions(
  format: StillFormat,
  path: string,
  width: number,
  height: number,
): WriterOptions {
  const base = { path, width, height, fps: 1 };
  switch (format) {
    case 'jpeg':
      return {
        ...base,
        format: 'mjpeg',
        encoder: 'mjpeg',
        pixelFormat: 'yuvj420p',
        filter: `scale=out_color_matrix=bt601:out_range=pc,format=yuvj420p`,
        codecOptions: { flags: '+qscale', global_quality: 3 * 118, qmin: 1, qmax: 3 },
      };
    case 'webp':
      return {
        ...base,
        width: width & ~1,
        height: height & ~1,
        format: 'webp',
        encoder: 'libwebp',
        pixelFormat: 'yuv420p',
        filter: `${width % 2 || height % 2 ? 'crop=trunc(iw/2)*2:trunc(ih/2)*2,' : ''}scale=out_color_matrix=bt601:out_range=tv,format=yuv420p`,
        codecOptions: { quality: 80, lossless: 0 },
      };
    case 'gif':
      return { ...thumbnailWriterOptions('gif', path, width, height, 1), muxerOptions: { loop: -1 } };
  }
}

/**
 * A photo's cover: one frame in, one still picture out, with the same surface as
 * {@link BoomerangEncoder} (`add` as frames decode, `finish`, `discard`) so that a job
 * makes either kind of cover the same way.
 *
 * @example
 * ```ts
 * const still = await new StillEncoder('jpeg').finish([frame]); // image/jpeg, frames 1
 * ```
 */
export class StillEncoder {
  constructor(readonly format: StillFormat) {}

  /** Nothing to stream: a still is encoded from its one frame in {@link finish}. */
  add(_position: number, _frame: RgbFrame): void {}

  async finish(frames: RgbFrame[]): Promise<EncodedThumbnail> {
    const frame = frames[0];
    if (frames.length !== 1 || !frame) throw new RangeError('StillEncoder: exactly one frame');
    checkFrame(frame, frame);
    const dir = await mkdtemp(join(tmpdir(), 'still-'));
    try {
      const wo = stillWriterOptions(
        this.format,
        join(dir, `cover.${this.format}`),
        frame.width,
        frame.height,
      );
      const writer = await VideoWriter.open(wo);
      try {
        await writer.writePixels(
          Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.width * frame.height * 3),
          frame.width,
          frame.height,
        );
        await writer.finish();
      } finally {
        await writer.close();
      }
      return {
        data: await readFile(wo.path),
        mimeType: STILL_MIME[this.format],
        width: wo.width,
        height: wo.height,
        frames: 1,
        fps: 0,
        durationSec: 0,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  discard(): Promise<void> {
    return Promise.resolve();
  }
}

function checkFrame(f: RgbFrame, like: { width: number; height: number }): void {
  if (f.width !== like.width || f.height !== like.height)
    throw new RangeError('encodeBoomerang: frames differ in size');
  if (f.data.length < f.width * f.height * 3) throw new RangeError('encodeBoomerang: short frame buffer');
}
