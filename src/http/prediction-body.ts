/**
 * The JSON of a prediction and of a thumbnail: the one place values are rounded (4 places for
 * probabilities, milliseconds for times). The `analyze` command prints the same.
 */
import type { ThumbnailResult } from '../jobs/clip-job.types.js';
import { isUncertain } from '../vision/confidence.js';
import { EMOTIONS5 } from '../vision/emotions.js';
import type { Prediction } from '../vision/prediction.js';

export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function predictionBody(p: Prediction) {
  return {
    emotion: p.emotion,
    confidence: round4(p.confidence),
    // The label stays; the flag tells the app the answer is a coin toss (see UNCERTAIN_BELOW).
    uncertain: isUncertain(p.confidence),
    prediction: p.emotion,
    probabilities: Object.fromEntries(EMOTIONS5.map((e) => [e, round4(p.probabilities[e])])),
    frames_analyzed: p.frames_analyzed,
    frames_with_face: p.frames_with_face,
    timeline: p.timeline.map((point) => ({
      t: round3(point.t),
      emotion: point.emotion,
      confidence: point.confidence === null ? null : round4(point.confidence),
      probabilities: point.probabilities
        ? Object.fromEntries(EMOTIONS5.map((e) => [e, round4(point.probabilities![e])]))
        : null,
    })),
    peak_t: round3(p.peak_t),
    face: p.face
      ? {
          x: round4(p.face.x),
          y: round4(p.face.y),
          width: round4(p.face.width),
          height: round4(p.face.height),
        }
      : null,
    model: p.model,
  };
}

/** A thumbnail's JSON: the file (base64) and its description. */
export function thumbnailBody(t: ThumbnailResult) {
  return {
    thumbnail: t.data.toString('base64'),
    format: t.format,
    mime_type: t.mimeType,
    width: t.width,
    height: t.height,
    fps: t.fps,
    frames: t.frames,
    duration: round3(t.durationSec),
  };
}
