import { AV_DISPOSITION_DEPENDENT, AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD } from 'node-av/constants';
import { avGetCodecName, avGetPixFmtName, Packet, type FormatContext, type Stream } from 'node-av/lib';

import { AppError } from '../errors.js';
import { readFile } from 'node:fs/promises';

import {
  closeInput,
  hasAudioStream,
  isImageFormat,
  onlyStream,
  openVideoInput,
  readHead,
  streamRotation,
} from './input.js';
import {
  jpegExifOrientation,
  jpegIsComplete,
  rotationForExifOrientation,
  stillImageKind,
} from './image-header.js';
import type { VideoInfo } from './types.js';

/** Limits a probe enforces; the service takes them from its config. */
export interface ProbeLimits {
  /** Largest accepted coded frame area, width x height (e.g. 4096 * 2160). */
  maxPixels: number;
  /** Longest accepted duration in seconds. */
  maxSeconds: number;
  /** Fewest frames accepted (15 for clips; 1 lets still images through). */
  minFrames: number;
  /**
   * Still images (one frame): `true` accepts them whatever `minFrames` says, `false`
   * refuses them with `still_image`; unset, they pass when `minFrames` is 1 and are
   * refused with `still_image` above.
   */
  stills?: boolean;
}

const q = (r: { num: number; den: number }): number => (r.den ? r.num / r.den : 0);

/**
 * Reads a clip's container and stream headers and returns its normalised
 * description, or refuses it. The size checks run on the container header
 * before any decoder exists; only then does FFmpeg's stream-info probe decode a
 * frame or two (for the pixel format), under a `max_pixels` guard. Refusals:
 *
 * - `not_a_video`: FFmpeg cannot open it as media;
 * - `no_video_stream`: media without a video stream (cover art does not count);
 * - `too_many_pixels`: `width * height > maxPixels` (checked from the header, so
 *   a decompression bomb is refused before any frame is allocated);
 * - `video_too_long`: duration above `maxSeconds`;
 * - `too_few_frames`: fewer than `minFrames` frames (exact count from the
 *   container when it has one, else duration x fps);
 * - `still_image`: a still image where `stills` is false, or unset with `minFrames` above 1;
 * - `truncated_image`: a still image that is cut off (a JPEG without its end marker,
 *   a PNG or WebP whose picture does not decode);
 * - `unsupported_image`: a HEIC photo stored as a grid of tiles.
 *
 * Still images (JPEG, PNG, WebP, BMP, single-image HEIC/AVIF) probe as one-frame "videos"
 * with `isImage: true` and the rotation of their EXIF orientation (JPEG), so they pass when
 * `minFrames <= 1` or `stills` is set.
 *
 * @example
 * ```ts
 * const info = await probeVideo('/tmp/clip.mp4', { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 });
 * info.displayWidth; // 1080 for a portrait phone clip coded 1920x1080 with rotation 90
 * ```
 */
export async function probeVideo(path: string, limits: ProbeLimits): Promise<VideoInfo> {
  const probed = await probeOpen(path, limits);
  await closeInput(probed.fmt);
  return probed.info;
}

/** The refusal of a clip with `count` frames where `minFrames` are needed. */
export function tooFewFrames(count: number, minFrames: number): AppError {
  return new AppError('too_few_frames', `The video has ${count} frame(s); at least ${minFrames} are needed.`);
}

/** An open, probed clip: the caller closes `fmt`. */
export interface OpenProbe {
  fmt: FormatContext;
  stream: Stream;
  info: VideoInfo;
  /** True when the probe read the packets to the end (no duration in the file). */
  consumed: boolean;
}

/** {@link probeVideo}, leaving the context open (at the start of the packets unless `consumed`). */
export async function probeOpen(path: string, limits: ProbeLimits): Promise<OpenProbe> {
  const { fmt, stream } = await openVideoInput(path, limits.maxPixels, true);
  let consumed = false;
  try {
    let info = await stillImageInfo(path, describe(fmt, stream));
    if (info.isImage && stream.hasDisposition(AV_DISPOSITION_DEPENDENT)) {
      // A HEIC stored as a grid of tiles (iPhones and many Android phones write them so):
      // FFmpeg 8 exposes each tile as a stream and the grid as a stream group, which node-av
      // gives no access to. Scoring the first tile would answer for a corner of the photo.
      throw new AppError(
        'unsupported_image',
        'This HEIC photo is stored as a grid of tiles, which this server cannot assemble yet: send it as JPEG (or a HEIC saved as one picture).',
      );
    }
    if (!info.isImage && (info.frameCount === 0 || info.durationSec === 0)) {
      // Live-written files (browser MediaRecorder WebM, pipes) carry no duration
      // and no frame count: demux the video packets (no decoding) to learn both.
      const counted = await countVideoPackets(fmt, stream);
      consumed = true;
      info = {
        ...info,
        frameCount: counted.frameCount,
        durationSec: info.durationSec || counted.durationSec,
        fps: info.fps || counted.fps,
      };
    }
    if (info.durationSec > limits.maxSeconds) {
      throw new AppError(
        'video_too_long',
        `The video is ${info.durationSec.toFixed(1)} s long; the limit is ${limits.maxSeconds} s.`,
      );
    }
    if (info.isImage && (limits.stills === false || (limits.minFrames > 1 && limits.stills !== true))) {
      throw new AppError('still_image');
    }
    if (info.frameCount < limits.minFrames && !(info.isImage && limits.stills)) {
      throw tooFewFrames(info.frameCount, limits.minFrames);
    }
    return { fmt, stream, info, consumed };
  } catch (err) {
    await closeInput(fmt);
    throw err;
  }
}

/**
 * What the bytes of a still picture add to its description: HEIF/AVIF photos (which FFmpeg
 * opens with its MP4 demuxer, as a one-second "video") are still images too; a JPEG's EXIF
 * orientation becomes its rotation (FFmpeg 8 exports it only on the decoded frame, after
 * the frame size and crops are planned); a cut-off JPEG is refused, as FFmpeg would decode
 * it without an error, grey below the cut.
 */
async function stillImageInfo(path: string, info: VideoInfo): Promise<VideoInfo> {
  const head = await readHead(path, 64 * 1024);
  const kind = stillImageKind(head);
  if (kind === 'heif' && !info.isImage)
    info = { ...info, isImage: true, frameCount: 1, durationSec: 0, fps: 0 };
  if (!info.isImage || kind !== 'jpeg') return info;
  // The whole file: a JPEG's end marker is at its end (the upload limit bounds its size).
  if (!jpegIsComplete(await readFile(path))) {
    throw new AppError(
      'truncated_image',
      'The JPEG image is cut off (its end is missing): send the whole file.',
    );
  }
  const rotation = info.rotation || rotationForExifOrientation(jpegExifOrientation(head));
  if (rotation === info.rotation) return info;
  const swap = rotation === 90 || rotation === 270;
  const squareW = Math.max(1, Math.round(info.width * info.pixelAspect));
  return {
    ...info,
    rotation,
    displayWidth: swap ? info.height : squareW,
    displayHeight: swap ? squareW : info.height,
  };
}

/**
 * Frame count and duration of `stream` from its packets (demuxing only): every
 * packet not flagged discard is a frame; the duration spans the first to the
 * last presentation time plus one frame.
 */
async function countVideoPackets(
  fmt: FormatContext,
  stream: Stream,
): Promise<{ frameCount: number; durationSec: number; fps: number }> {
  onlyStream(fmt, stream);
  const pkt = new Packet();
  pkt.alloc();
  let count = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  let lastDuration = 0n;
  try {
    while ((await fmt.readFrame(pkt)) >= 0) {
      if (pkt.streamIndex === stream.index && !((pkt.flags as number) & (AV_PKT_FLAG_DISCARD as number))) {
        count++;
        const t = pkt.pts !== AV_NOPTS_VALUE ? pkt.pts : pkt.dts;
        if (t !== AV_NOPTS_VALUE) {
          if (first === undefined || t < first) first = t;
          if (last === undefined || t >= last) {
            last = t;
            lastDuration = pkt.duration > 0n ? pkt.duration : 0n;
          }
        }
      }
      pkt.unref();
    }
  } finally {
    pkt.free();
  }
  const tb = q(stream.timeBase);
  let durationSec = first !== undefined && last !== undefined ? Number(last - first + lastDuration) * tb : 0;
  let fps = count > 1 && durationSec > 0 ? count / durationSec : 0;
  if (lastDuration === 0n && fps > 0) {
    durationSec += 1 / fps; // the last frame's own duration
    fps = count / durationSec;
  }
  return { frameCount: count, durationSec, fps };
}

/**
 * The stream's sample aspect ratio as a number (1 when unknown, absurd, or
 * within 1 % of square: encoders write 1:1-ish values for square pixels).
 */
function samplePixelAspect(stream: Stream): number {
  for (const r of [stream.sampleAspectRatio, stream.codecpar.sampleAspectRatio]) {
    const v = r.num > 0 && r.den > 0 ? r.num / r.den : 0;
    if (v >= 0.1 && v <= 10) return Math.abs(v - 1) < 0.01 ? 1 : v;
  }
  return 1;
}

/** Builds a VideoInfo from an open context (internal; also used by decode). */
export function describe(fmt: FormatContext, stream: Stream): VideoInfo {
  const par = stream.codecpar;
  const container = fmt.iformat?.name ?? 'unknown';
  const image = isImageFormat(container);
  const rotation = streamRotation(stream);
  const swap = rotation === 90 || rotation === 270;
  const pixelAspect = samplePixelAspect(stream);
  // Square-pixel size before rotation: non-square pixels widen (or narrow) the picture.
  const squareW = Math.max(1, Math.round(par.width * pixelAspect));

  let durationSec = 0;
  if (!image) {
    if (stream.duration > 0n && stream.duration !== AV_NOPTS_VALUE) {
      durationSec = Number(stream.duration) * q(stream.timeBase);
    } else if (fmt.duration > 0n && fmt.duration !== AV_NOPTS_VALUE) {
      durationSec = Number(fmt.duration) / 1_000_000;
    }
  }
  let fps = q(stream.avgFrameRate);
  if (!(fps > 0 && fps < 1000)) fps = q(stream.rFrameRate);
  if (!(fps > 0 && fps < 1000)) fps = 0;

  let frameCount: number;
  if (image) frameCount = 1;
  else if (stream.nbFrames > 0n) frameCount = Number(stream.nbFrames);
  else frameCount = Math.round(durationSec * fps);

  return {
    container,
    codec: avGetCodecName(par.codecId) ?? 'unknown',
    width: par.width,
    height: par.height,
    rotation,
    pixelAspect,
    displayWidth: swap ? par.height : squareW,
    displayHeight: swap ? squareW : par.height,
    durationSec: image ? 0 : durationSec,
    fps: image ? 0 : fps,
    frameCount,
    pixelFormat:
      (par.format as number) >= 0 ? (avGetPixFmtName(par.format as never) ?? 'unknown') : 'unknown',
    hasAudio: hasAudioStream(fmt),
    isImage: image,
  };
}
