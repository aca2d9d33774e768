/**
 * Opening a container and choosing its video stream: shared by probe and decode.
 * Internal to src/media.
 */
import { open } from 'node:fs/promises';

import {
  AV_DISPOSITION_ATTACHED_PIC,
  AV_LOG_ERROR,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
  AVDISCARD_ALL,
} from 'node-av/constants';
import { Dictionary, FormatContext, Frame, Log, Packet, type Stream } from 'node-av/lib';

import { AppError } from '../errors.js';
import { maxPixelsOption, openDecoder } from './decoder.js';
import { imageSizeFromHeader } from './image-header.js';
import { rotationFromDisplayMatrix } from './rotation.js';

// FFmpeg logs every info line (encoder stats, probe notes) to stderr by default;
// the service only wants real errors there.
Log.setLevel(AV_LOG_ERROR);

/** Demuxers that hold one still picture (jpg, png, webp, bmp, ...). */
export function isImageFormat(formatName: string): boolean {
  return formatName === 'image2' || formatName.endsWith('_pipe');
}

/** The first real video stream (cover art of audio files does not count). */
export function pickVideoStream(fmt: FormatContext): Stream | undefined {
  return fmt.streams.find(
    (s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && !s.hasDisposition(AV_DISPOSITION_ATTACHED_PIC),
  );
}

/** Makes the demuxer drop every stream of `fmt` but `stream` (no packets read for them). */
export function onlyStream(fmt: FormatContext, stream: Stream): void {
  for (const s of fmt.streams) if (s.index !== stream.index) s.discard = AVDISCARD_ALL;
}

export function hasAudioStream(fmt: FormatContext): boolean {
  return fmt.streams.some((s) => s.codecpar.codecType === AVMEDIA_TYPE_AUDIO);
}

export function streamRotation(stream: Stream): number {
  return rotationFromDisplayMatrix(stream.codecpar.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX));
}

export function tooManyPixels(width: number, height: number, maxPixels: number): AppError {
  return new AppError(
    'too_many_pixels',
    `The video frame size ${width}x${height} exceeds the limit of ${maxPixels} pixels.`,
  );
}

/**
 * Opens `path` and returns the open context and its video stream. Refuses from
 * the container header, before any decoder runs, files that are not media
 * (`not_a_video`), have no video (`no_video_stream`) or declare a frame larger
 * than `maxPixels` (`too_many_pixels`). Stream-info probing (which decodes a
 * little) only runs when the header does not give the frame size, and then with
 * the decoders' own `max_pixels` guard so a bomb cannot allocate its frame.
 * `fullProbe` runs stream-info probing anyway (after the header checks) to learn
 * the pixel format and a better frame rate.
 * The caller owns the returned context and must close it.
 */
export async function openVideoInput(
  path: string,
  maxPixels: number,
  fullProbe = false,
): Promise<{ fmt: FormatContext; stream: Stream }> {
  const fmt = new FormatContext();
  try {
    const ret = await fmt.openInput(path);
    if (ret < 0) throw new AppError('not_a_video');
    let stream = pickVideoStream(fmt);
    if (stream && stream.codecpar.width * stream.codecpar.height > maxPixels) {
      throw tooManyPixels(stream.codecpar.width, stream.codecpar.height, maxPixels);
    }
    let headerSize: { width: number; height: number } | undefined;
    if (stream && stream.codecpar.width === 0 && isImageFormat(fmt.iformat?.name ?? '')) {
      headerSize = imageSizeFromHeader(await readHead(path, 64 * 1024));
      if (headerSize && headerSize.width * headerSize.height > maxPixels)
        throw tooManyPixels(headerSize.width, headerSize.height, maxPixels);
    }
    if (fullProbe || !stream || stream.codecpar.width === 0 || stream.codecpar.height === 0) {
      if (fmt.streams.length > 1 && stream && (stream.codecpar.width === 0 || stream.codecpar.height === 0)) {
        const size = await firstFrameSize(path, maxPixels);
        if (!size) {
          throw new AppError(
            'not_a_video',
            'The frame size could not be read (or exceeds the configured limit).',
          );
        }
      }
      if (findStreamInfo(fmt, maxPixels) < 0 && fmt.streams.length === 0) throw new AppError('not_a_video');
      stream = pickVideoStream(fmt);
    }
    if (!stream) {
      throw fmt.streams.length > 0 ? new AppError('no_video_stream') : new AppError('not_a_video');
    }
    const { width, height } = stream.codecpar;
    if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
    if (width === 0 || height === 0) {
      // A still image whose header was read but whose picture does not decode: cut off or damaged.
      if (headerSize)
        throw new AppError(
          'truncated_image',
          'The image is cut off or damaged: its header was read but its picture does not decode. Send the whole file.',
        );
      // Unknown size after a guarded probe: undecodable, or larger than the guard allowed.
      throw new AppError(
        'not_a_video',
        'The frame size could not be read (or exceeds the configured limit).',
      );
    }
    return { fmt, stream };
  } catch (err) {
    await fmt[Symbol.asyncDispose]();
    throw err;
  }
}

/**
 * FFmpeg's stream-info probe (which decodes a frame or two) under the decoders'
 * `max_pixels` guard.
 *
 * `avformat_find_stream_info` takes an array of one option dictionary per
 * stream, but node-av 6.1 passes the address of a single dictionary (its async
 * form rejects arrays outright). With two or more streams FFmpeg then reads the
 * second "dictionary" from whatever lies next to it on the stack: every clip
 * with a sound track crashed the process (SIGSEGV). So the guard dictionary is
 * passed only when the file has exactly one stream, where one dictionary is the
 * whole array. With more streams the probe runs without options, after the
 * video's frame size is known to be within the limit: from the container
 * header, or else from a first frame decoded by our own guarded decoder.
 */
function findStreamInfo(fmt: FormatContext, maxPixels: number): number {
  if (fmt.streams.length <= 1) {
    const guard = Dictionary.fromObject({ max_pixels: maxPixelsOption(maxPixels) });
    try {
      return fmt.findStreamInfoSync(guard);
    } finally {
      guard.free();
    }
  }
  return fmt.findStreamInfoSync(null);
}

/** Packets of the video stream read, at most, to find its first frame. */
const PEEK_PACKETS = 300;

/**
 * The size of the first frame our guarded decoder produces from `path`'s video
 * stream (read through a context of its own, so the caller's stays at the
 * start), or undefined when none decodes within the first packets or it is
 * larger than `maxPixels` (the decoder refuses it).
 */
async function firstFrameSize(
  path: string,
  maxPixels: number,
): Promise<{ width: number; height: number } | undefined> {
  const fmt = new FormatContext();
  try {
    if ((await fmt.openInput(path)) < 0) return undefined;
    const stream = pickVideoStream(fmt);
    if (!stream) return undefined;
    onlyStream(fmt, stream);
    const dec = await openDecoder(stream, maxPixels, 1);
    const pkt = new Packet();
    pkt.alloc();
    const frame = new Frame();
    frame.alloc();
    try {
      for (let n = 0; n < PEEK_PACKETS;) {
        const r = await fmt.readFrame(pkt);
        if (r < 0) await dec.sendPacket(null);
        else if (pkt.streamIndex === stream.index) {
          n++;
          await dec.sendPacket(pkt);
        }
        pkt.unref();
        if ((await dec.receiveFrame(frame)) >= 0) {
          const size = { width: frame.width, height: frame.height };
          return size.width * size.height <= maxPixels ? size : undefined;
        }
        if (r < 0) return undefined;
      }
      return undefined;
    } finally {
      frame.free();
      pkt.free();
      dec.freeContext();
    }
  } catch (err) {
    if (err instanceof AppError) return undefined;
    throw err;
  } finally {
    await fmt[Symbol.asyncDispose]();
  }
}

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Closes and frees a context opened by {@link openVideoInput}. */
export async function closeInput(fmt: FormatContext): Promise<void> {
  await fmt[Symbol.asyncDispose]();
}
