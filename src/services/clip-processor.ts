import { AppError } from '../errors.js';
import {
  BoomerangEncoder,
  evenlySpacedIndices,
  MediaClip,
  outputSize,
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
import { clipSeedPosition, type ClipProgress } from '../vision/clip-session.js';
import type { ClipEmotionSession, EmotionEngine } from '../vision/engines/engine.js';
import type { ClipEmotion } from '../vision/index.js';
import { FACE_SQUARE_SCALE } from '../vision/pooling.js';
import {
  BOOMERANG_FPS,
  boomerangSourceFrameCount,
  centreSquare,
  peakWindowIndices,
  type CropRect,
} from './boomerang-plan.js';
import { PeakCover } from './peak-cover.js';

/** Stage names in `timings`, and the stage each tells the worker it is in. */
const STAGE_OF: Record<string, ClipStage> = {
  probe: 'probe',
  model_load: 'model',
  decode: 'decode',
  inference: 'model',
  decode_thumbnail: 'decode',
  encode: 'encode',
};

/** Runs a job's steps one after another, timing each (`timings`, ms) and telling the worker its stage. */
class StageTimer {
  readonly timings: Record<string, number> = {};
  constructor(private readonly onStage: (stage: ClipStage) => void) {}

  async run<T>(stage: string, work: () => Promise<T>): Promise<T> {
    this.onStage(STAGE_OF[stage] ?? 'decode');
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.timings[stage] = Math.round((this.timings[stage] ?? 0) + performance.now() - start);
    }
  }
}

/** What one job decodes in its pass, and who takes the frames. */
interface JobPlan {
  requests: FrameRequest[];
  session?: ClipEmotionSession;
  encoder?: BoomerangEncoder | StillEncoder;
  thumbCount: number;
  /** The thumbnail's frames are the pass's second request (they do not depend on the prediction). */
  thumbInPass: boolean;
  /** A peak-anchored cover's candidate frames, kept during the pass (see {@link PeakCover}). */
  cover?: PeakCover;
  /** Frames only the model sees may skip the deblocking filter. */
  skipLoopFilter: boolean;
  /** The frame the model wants first (its seed frame), decoded before the others. */
  firstFrame?: number;
}

/**
 * One clip, end to end, inside a worker: probe, one streaming decode pass that feeds the
 * emotion model and the thumbnail (a peak-anchored cover keeps its candidate frames during
 * that pass, see {@link PeakCover}), then the boomerang encode. A second, short decode
 * happens only when the cover's window was not kept (or for a still photo's crop).
 */
export async function processClip(
  request: ClipJobRequest,
  engines: EngineCache,
  onStage: (stage: ClipStage) => void = () => undefined,
): Promise<ClipJobResult> {
  const timer = new StageTimer(onStage);
  const media = await timer.run('probe', () => MediaClip.open(request.inputPath, request.limits));
  const engine = request.predict
    ? await timer.run('model_load', () => engines.get(request.engine))
    : undefined;
  const plan = planJob(request, media, engine);
  try {
    const decoded = await timer.run('decode', () => decodePass(request, media, plan, onStage));
    const clip = await timer.run('inference', () => scoreClip(request, plan.session, decoded[0]));
    const thumbnail = plan.encoder
      ? await makeThumbnail(request, media, plan, decoded, clip, timer, onStage)
      : undefined;
    return { video: media.info, prediction: clip?.prediction, thumbnail, timings: timer.timings };
  } finally {
    plan.cover?.release();
    await plan.encoder?.discard();
  }
}

/** Which frames the pass decodes for whom: the model's, the thumbnail's or a peak cover's candidates. */
function planJob(request: ClipJobRequest, media: MediaClip, engine: EmotionEngine | undefined): JobPlan {
  const info = media.info;
  const still = info.isImage === true;
  const decodePlan = request.decodePlan ?? DEFAULT_DECODE_PLAN;
  const thumb = request.thumbnail;
  const thumbCount = thumb ? (still ? 1 : boomerangSourceFrameCount(thumb.durationSec)) : 0;
  // The thumbnail frames can share the pass unless they depend on the prediction.
  const thumbInPass = thumb !== undefined && thumb.anchor === 'whole' && thumb.crop !== 'face';
  const encoder = !thumb
    ? undefined
    : still
      ? new StillEncoder(stillFormatFor(thumb.format))
      : new BoomerangEncoder(thumbCount, { format: thumb.format, fps: BOOMERANG_FPS });
  const plan: JobPlan = {
    requests: [],
    encoder,
    thumbCount,
    thumbInPass,
    skipLoopFilter: decodePlan.skipLoopFilter && !thumbInPass,
  };
  if (engine) {
    const predictFrames = still ? 1 : request.predictFrames;
    // The model's frames are ours to place (cheap positions near keyframes), unless they
    // share the pass with the seed's exactly placed boomerang frames, where they cost nothing.
    const samples = media.predictionIndices(predictFrames, decodePlan.nearKeyframes && !thumbInPass);
    const candidate =
      thumb && encoder instanceof BoomerangEncoder && thumb.anchor === 'peak'
        ? new PeakCover(info, samples, thumbCount, media.keyframeIndices())
        : undefined;
    const coverBytes = thumb ? coverFrameBytes(thumb, info) : 0;
    const cover = candidate?.paysOff((indices) => media.decodeCost(indices), samples, coverBytes)
      ? candidate
      : undefined;
    const listen = cover && coverListener(cover, thumb!, info);
    // The model starts on the first frames while the later ones are still decoding.
    const session = engine.startClip(predictFrames, listen?.progress);
    plan.requests.push({
      indices: samples,
      maxSide: engine.frameMaxSide,
      onFrame: byPosition(samples, (position, frame) => session.add(position, frame)),
    });
    if (cover && listen) plan.requests.push(cover.request(thumb!.maxSize, listen.crop));
    Object.assign(plan, { session, cover, firstFrame: samples[clipSeedPosition(samples.length)] });
  }
  if (thumb && encoder && thumbInPass)
    plan.requests.push(
      thumbnailFrameRequest(info, thumb, evenlySpacedIndices(info.frameCount, thumbCount), encoder),
    );
  return plan;
}

/** The decode pass; the model's session is abandoned if it fails. */
async function decodePass(
  request: ClipJobRequest,
  media: MediaClip,
  plan: JobPlan,
  onStage: (stage: ClipStage) => void,
): Promise<RgbFrame[][]> {
  try {
    return await media.decode(plan.requests, {
      minFrames: media.info.isImage ? 1 : request.limits.minFrames,
      onStage,
      threads: request.decoderThreads,
      // Frames only the model sees may skip the deblocking filter; a thumbnail's never do (a
      // peak cover's candidates share the model's decoder: see src/services/README.md).
      skipLoopFilter: plan.skipLoopFilter,
      first: plan.firstFrame,
      // The model works beside a clip's pass: its thread keeps a core, the decoder takes the rest.
      background: plan.session !== undefined && media.info.isImage !== true,
    });
  } catch (err) {
    plan.session?.abandon();
    throw err;
  }
}

/** The model's answer once its frames are in (undefined without a model, or without a face when that is allowed). */
async function scoreClip(
  request: ClipJobRequest,
  session: ClipEmotionSession | undefined,
  frames: RgbFrame[] | undefined,
): Promise<ClipEmotion | undefined> {
  if (!session || !frames) return undefined;
  try {
    return await session.finish(frames);
  } catch (err) {
    if (request.faceOptional && err instanceof AppError && err.code === 'no_face') return undefined;
    throw err;
  }
}

/** The thumbnail's frames (from the pass, the peak cover, or a second short decode), encoded and checked. */
async function makeThumbnail(
  request: ClipJobRequest,
  media: MediaClip,
  plan: JobPlan,
  decoded: RgbFrame[][],
  clip: ClipEmotion | undefined,
  timer: StageTimer,
  onStage: (stage: ClipStage) => void,
): Promise<ThumbnailResult> {
  const thumb = request.thumbnail!;
  const encoder = plan.encoder!;
  const info = media.info;
  const prediction = clip?.prediction;
  let frames: RgbFrame[] | undefined;
  if (plan.thumbInPass) frames = decoded[plan.session ? 1 : 0];
  else if (plan.cover && prediction) frames = plan.cover.take(prediction.peak_t)?.frames;
  if (!frames) {
    const indices =
      thumb.anchor === 'peak' && prediction && info.isImage !== true
        ? peakWindowIndices(info, prediction.peak_t, plan.thumbCount, media.keyframeIndices())
        : evenlySpacedIndices(info.frameCount, plan.thumbCount);
    const faceCrop =
      thumb.crop === 'face' && clip?.faceSquare ? toDisplayPixels(clip.faceSquare, info) : undefined;
    [frames] = await timer.run('decode_thumbnail', () =>
      media.decode([thumbnailFrameRequest(info, thumb, indices, encoder, faceCrop)], {
        minFrames: 1,
        onStage,
        threads: request.decoderThreads,
      }),
    );
  }
  const encoded = await timer.run('encode', () => encoder.finish(frames));
  if (request.maxThumbnailBytes !== undefined && encoded.data.length > request.maxThumbnailBytes) {
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(2);
    throw new AppError(
      'thumbnail_too_large',
      `The ${thumb.format} thumbnail would be ${mb(encoded.data.length)} MB; the limit is ${mb(request.maxThumbnailBytes)} MB (MAX_THUMBNAIL_MB). Ask for mp4, a smaller max_size or a shorter duration.`,
    );
  }
  return {
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

/**
 * What the model's session tells a peak cover: its provisional scores move the running peaks;
 * for a face crop, the first frame's face fixes the crop the candidates are converted with
 * (the clip's steady face square is known only once the clip is scored).
 */
function coverListener(
  cover: PeakCover,
  thumb: ThumbnailRequest,
  info: VideoInfo,
): { progress: ClipProgress; crop: Promise<CropRect | undefined> | CropRect | undefined } {
  const progress: ClipProgress = {
    scored: (position, probabilities) => cover.scored(position, probabilities),
  };
  if (thumb.crop !== 'face')
    return {
      progress,
      crop: thumb.crop === 'square' ? centreSquare(info.displayWidth, info.displayHeight) : undefined,
    };
  const crop = new Promise<CropRect | undefined>((resolve) => {
    progress.firstFace = (box) => {
      // No face seen early: the cover is cut after scoring, from a second decode, as before.
      if (!box) cover.disable();
      resolve(box ? toDisplayPixels(faceSquareAround(box), info) : undefined);
    };
  });
  return { progress, crop };
}

/**
 * The square a cover crops around a face box (fractions of the frame): the box's centre,
 * FACE_SQUARE_SCALE times its longer side, as `steadyFaceSquare` sizes a clip's square (in
 * pixels, once the clip is scored), inside the frame.
 */
function faceSquareAround(box: CropRect): CropRect {
  const side = Math.min(1, Math.max(box.width, box.height) * FACE_SQUARE_SCALE);
  const clamp = (v: number, size: number): number => Math.min(Math.max(0, v), 1 - size);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: clamp(cx - side / 2, side), y: clamp(cy - side / 2, side), width: side, height: side };
}

/** At most how many bytes one cover frame takes (RGB; a face square is at most the frame's short side). */
function coverFrameBytes(thumb: ThumbnailRequest, info: VideoInfo): number {
  const side = Math.min(info.displayWidth, info.displayHeight);
  const { width, height } =
    thumb.crop === 'none'
      ? outputSize(info.displayWidth, info.displayHeight, thumb.maxSize)
      : outputSize(side, side, thumb.maxSize);
  return width * height * 3;
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
