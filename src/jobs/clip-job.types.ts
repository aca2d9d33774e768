import type { StillFormat } from '../media/encode.js';
import type { ThumbnailFormat, VideoInfo } from '../media/types.js';
import type { EngineSettings, Prediction } from '../vision/index.js';

export type CropMode = 'none' | 'square' | 'face';
export type AnchorMode = 'whole' | 'peak';

export interface ThumbnailRequest {
  /** Seconds of output (0.1-10). */
  durationSec: number;
  format: ThumbnailFormat;
  /** Long side in pixels; 0 keeps the source size. */
  maxSize: number;
  crop: CropMode;
  anchor: AnchorMode;
}

export interface ClipLimits {
  maxPixels: number;
  maxSeconds: number;
  minFrames: number;
  /** Still photos: scored as one frame (true) or refused with `still_image` (false). */
  stills?: boolean;
}

/**
 * The stage a worker is in, reported to the server as it goes so that a native
 * crash can be pinned to one (probe, packet scan, decode, filter, model, encode).
 */
export type ClipStage = 'probe' | 'scan' | 'decode' | 'filter' | 'model' | 'encode';

/** Everything a worker needs to process one uploaded clip; plain data, it crosses a process boundary. */
export interface ClipJobRequest {
  /** The HTTP request this job serves (for the logs). */
  requestId?: string;
  inputPath: string;
  limits: ClipLimits;
  /** Run the emotion model. */
  predict: boolean;
  /** A clip without a face is not an error (a thumbnail then falls back to the whole clip, centre crop). */
  faceOptional?: boolean;
  /** Frames sampled for prediction (seed: 15). */
  predictFrames: number;
  thumbnail?: ThumbnailRequest;
  /** Largest thumbnail file allowed, in bytes (absent: no limit). */
  maxThumbnailBytes?: number;
  /** The emotion model to run (resolved once by the server). */
  engine: EngineSettings;
  /** How the model's frames are decoded (default {@link DEFAULT_DECODE_PLAN}). */
  decodePlan?: DecodePlan;
  /** Decoder threads (0 or absent: FFmpeg's choice, one per core). */
  decoderThreads?: number;
}

/** Speed levers for the frames only the emotion model sees (never the thumbnail's). */
export interface DecodePlan {
  /** Move each sampled frame to a cheap position just after a nearby keyframe. */
  nearKeyframes: boolean;
  /** Skip the in-loop deblocking filter (frames slightly softer, not bit-exact). */
  skipLoopFilter: boolean;
}

export const DEFAULT_DECODE_PLAN: DecodePlan = { nearKeyframes: true, skipLoopFilter: true };

export interface ThumbnailResult {
  /** The encoded file (it crosses the process boundary as bytes, never through the disk). */
  data: Buffer;
  /** A photo's cover is a still: `jpeg` where a clip's would be `mp4` (see `stillFormatFor`). */
  format: ThumbnailFormat | StillFormat;
  mimeType: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  durationSec: number;
}

export interface ClipJobResult {
  video: VideoInfo;
  prediction?: Prediction;
  thumbnail?: ThumbnailResult;
  /** Milliseconds spent per stage inside the worker. */
  timings: Record<string, number>;
}
