import type { ThumbnailFormat, VideoInfo } from '../media/types.js';

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
  /** Where the worker writes the thumbnail file. */
  outputPath?: string;
}

export type Emotion5 = 'Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad';
export const EMOTIONS: readonly Emotion5[] = ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'];

export interface TimelinePoint {
  t: number;
  emotion: Emotion5 | null;
  confidence: number | null;
}

export interface PredictionResult {
  emotion: Emotion5;
  confidence: number;
  probabilities: Record<Emotion5, number>;
  frames_analyzed: number;
  frames_with_face: number;
  timeline: TimelinePoint[];
  model: string;
  /** Time (s) of the most expressive frame of the predicted emotion. */
  peak_t: number;
}

export interface ThumbnailResult {
  path: string;
  format: ThumbnailFormat;
  mimeType: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  durationSec: number;
}

export interface ClipJobResult {
  video: VideoInfo;
  prediction?: PredictionResult;
  thumbnail?: ThumbnailResult;
  /** Milliseconds spent per stage inside the worker. */
  timings: Record<string, number>;
}
