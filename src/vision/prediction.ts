/**
 * The shape of an emotion answer for one clip: what pooling produces and what the
 * engines, the workers, the HTTP layer and the request log all carry. Values are
 * unrounded; rounding happens once, at the HTTP edge.
 */
import type { Emotion5 } from './emotions.js';

/** One analysed frame on the clip's timeline; a frame without a face has nulls. */
export interface TimelinePoint {
  /** Seconds from the clip's start. */
  t: number;
  emotion: Emotion5 | null;
  confidence: number | null;
  /** The frame's five probabilities (null without a face). */
  probabilities: Record<Emotion5, number> | null;
}

/** The pooled answer for one clip. */
export interface ClipPrediction {
  emotion: Emotion5;
  /** Pooled probability of `emotion`. */
  confidence: number;
  probabilities: Record<Emotion5, number>;
  frames_analyzed: number;
  frames_with_face: number;
  /** One point per analysed frame, in frame order. */
  timeline: TimelinePoint[];
  /** Time (s) of the frame that shows `emotion` most strongly. */
  peak_t: number;
  /** Index (into the analysed frames) of that frame. */
  peakIndex: number;
}

/** A clip's answer and the model that gave it. */
export interface Prediction extends ClipPrediction {
  model: string;
  /** A square around the face, steady over the clip, as fractions of the frame (null: none). */
  face: FractionRect | null;
}

/** A rectangle as fractions (0-1) of a frame's width and height. */
export interface FractionRect {
  x: number;
  y: number;
  width: number;
  height: number;
}
