import { AppError } from '../errors.js';
import {
  BoomerangEncoder,
  evenlySpacedIndices,
  MediaClip,
  StillEncoder,
  stillFormatFor,
  type FrameRequest,
} from '../media/index.js';
import type { RgbFrame, VideoInfo } from '../media/types.js';
import {
  DEFAULT_DECODE_PLAN,
  type ClipJobRequest,
  type ClipStage,
  type ClipJobResult,
  type ThumbnailRequest,
  type ThumbnailResult,
} from '../jobs/clip-job.types.js';
import type { EngineCache } from '../vision/engines/factory.js';
import type { ClipEmotion, Prediction } from '../vision/index.js';
import {
  BOOMERANG_FPS,
  boomerangSourceFrameCount,
  centreSquare,
  peakWindowIndices,
  type CropRect,
} from './boomerang-plan.js';

/**
 * One clip, end to end, inside a worker: probe, one streaming decode pass that feeds both
 * the emotion model and the thumbnail, then the boomerang encode. A second, short decode
 * happens only when the thumbnail depends on the prediction (peak anchor or face crop).
 */
export async function processClip(
  request: ClipJobRequest,
  engines: EngineCache,
  onStage: (stage: ClipStage) => void = () => undefined,
): Promise<ClipJobResult> {
  const timings: Record<string, number> = {};
  const STAGE_OF: Record<string, ClipStage> = {
    probe: 'probe',
    model_load: 'model',
    decode: 'decode',
    inference: 'model',
    decode_thumbnail: 'decode',
    encode: 'encode',
  };
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    onStage(STAGE_OF[stage] ?? 'decode');
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round((timings[stage] ?? 0) + performance.now() - start);
    }
  };

  const media = await timed('probe', () => MediaClip.open(request.inputPath, request.limits));
  const info = media.info;
  const still = info.isImage === true;
  const plan = request.decodePlan ?? DEFAULT_DECODE_PLAN;
  const engine = request.predict ? await timed('model_load', () => engines.get(request.engine)) : undefined;
  const thumb = request.thumbnail;
  const thumbCount = thumb ? (still ? 1 : boomerangSourceFrameCount(thumb.durationSec)) : 0;
  const predictFrames = still ? 1 : request.predictFrames;
  // The thumbnail frames can share the first pass unless they depend on the prediction.
  const thumbInFirstPass = thumb !== undefined && thumb.anchor === 'whole' && thumb.crop !== 'face';

  const requests: FrameRequest[] = [];
  // The model starts on the first frames while the later ones are still decoding.
  const session = engine?.startClip(predictFrames);
  if (engine && session) {
    // The model's frames are ours to place (cheap positions near keyframes), unless they
    // share the pass with the seed's exactly placed boomerang frames, where they cost nothing.
    const indices = media.predictionIndices(predictFrames, plan.nearKeyframes && !thumbInFirstPass);
    requests.push({
      indices,
      maxSide: engine.frameMaxSide,
      onFrame: byPosition(indices, (position, frame) => session.add(position, frame)),
    });
  }
  // The thumbnail's encoder takes its frames as they decode.
  const encoder = !thumb
    ? undefined
    : still
      ? new StillEncoder(stillFormatFor(thumb.format))
      : new BoomerangEncoder(thumbCount, { format: thumb.format, fps: BOOMERANG_FPS });
  if (thumb && encoder && thumbInFirstPass)
    requests.push(
      thumbnailFrameRequest(info, thumb, evenlySpacedIndices(info.frameCount, thumbCount), encoder),
    );
  try {
    let decoded: RgbFrame[][];
    try {
      decoded = await timed('decode', () =>
        media.decode(requests, {
          minFrames: still ? 1 : request.limits.minFrames,
          onStage,
          threads: request.decoderThreads,
          // Frames only the model sees may skip the deblocking filter; thumbnails never do.
          skipLoopFilter: plan.skipLoopFilter && !thumbInFirstPass,
        }),
      );
    } catch (err) {
      session?.abandon();
      throw err;
    }

    let clip: ClipEmotion | undefined;
    let prediction: Prediction | undefined;
    if (session) {
      try {
        clip = await timed('inference', () => session.finish(decoded[0]));
        prediction = clip.prediction;
      } catch (err) {
        if (!(request.faceOptional && err instanceof AppError && err.code === 'no_face')) throw err;
      }
    }

    let thumbnail: ThumbnailResult | undefined;
    if (thumb && encoder) {
      let frames: RgbFrame[];
      if (thumbInFirstPass) {
        frames = decoded[engine ? 1 : 0];
      } else {
        const indices =
          thumb.anchor === 'peak' && prediction && !still
            ? peakWindowIndices(info, prediction.peak_t, thumbCount, media.keyframeIndices())
            : evenlySpacedIndices(info.frameCount, thumbCount);
        const faceCrop =
          thumb.crop === 'face' && clip?.faceSquare ? toDisplayPixels(clip.faceSquare, info) : undefined;
        const [second] = await timed('decode_thumbnail', () =>
          media.decode([thumbnailFrameRequest(info, thumb, indices, encoder, faceCrop)], {
            minFrames: 1,
            onStage,
            threads: request.decoderThreads,
          }),
        );
        frames = second;
      }
      const encoded = await timed('encode', () => encoder.finish(frames));
      if (request.maxThumbnailBytes !== undefined && encoded.data.length > request.maxThumbnailBytes) {
        const mb = (n: number): string => (n / 1024 / 1024).toFixed(2);
        throw new AppError(
          'thumbnail_too_large',
          `The ${thumb.format} thumbnail would be ${mb(encoded.data.length)} MB; the limit is ${mb(request.maxThumbnailBytes)} MB (MAX_THUMBNAIL_MB). Ask for mp4, a smaller max_size or a shorter duration.`,
        );
      }
      thumbnail = {
        data: encoded.data,
        format: encoder instanceof StillEncoder ? encoder.format : thumb.format,
        mimeType: encoded.mimeType,
        width: encoded.width,
        height: encoded.height,
        fps: encoded.fps,
        frames: encoded.frames,
        durationSec: encoded.durationSec,
      };
    }
    return { video: info, prediction, thumbnail, timings };
  } finally {
    await encoder?.discard();
  }
}

/** A crop given as fractions of the frame, in the source's upright pixels, on even boundaries. */
function toDisplayPixels(rect: CropRect, info: VideoInfo): CropRect {
  const even = (v: number): number => Math.max(0, Math.round(v / 2) * 2);
  const side = Math.min(even(rect.width * info.displayWidth), even(rect.height * info.displayHeight));
  return {
    x: Math.min(even(rect.x * info.displayWidth), info.displayWidth - side),
    y: Math.min(even(rect.y * info.displayHeight), info.displayHeight - side),
    width: side,
    height: side,
  };
}

function thumbnailFrameRequest(
  info: VideoInfo,
  thumb: ThumbnailRequest,
  indices: number[],
  encoder: Pick<BoomerangEncoder, 'add'>,
  faceCrop?: CropRect,
): FrameRequest {
  let crop: CropRect | undefined;
  if (thumb.crop === 'square') crop = centreSquare(info.displayWidth, info.displayHeight);
  else if (thumb.crop === 'face') crop = faceCrop ?? centreSquare(info.displayWidth, info.displayHeight);
  return {
    indices,
    maxSide: thumb.maxSize,
    crop,
    onFrame: byPosition(indices, (position, frame) => encoder.add(position, frame)),
  };
}

/** A decoder's `onFrame` (source frame index) turned into calls per position in `indices` (repeats allowed). */
function byPosition(
  indices: number[],
  take: (position: number, frame: RgbFrame) => void,
): (index: number, frame: RgbFrame) => void {
  const positions = new Map<number, number[]>();
  indices.forEach((index, position) => positions.set(index, [...(positions.get(index) ?? []), position]));
  return (index, frame) => {
    for (const position of positions.get(index) ?? []) take(position, frame);
  };
}
