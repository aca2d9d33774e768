import { framePosterior, stillOutputs, type Calibration } from './calibration.js';
import { speechRobustFrames } from './clip-features.js';
import { applyScaling } from './confidence.js';
import { argmax, EMOTIONS5, expressiveness, type Emotion5 } from './emotions.js';
import type { FrameAnalysis } from './pipeline.js';
import type { ClipPrediction } from './prediction.js';

/**
 * The share of a clip's faced frames whose own answer is class `k` (the clip's, before its answer
 * scaling): 1 when they all agree (and for a one-frame input). The answer scaling makes a clip
 * whose frames disagree less confident.
 */
export function frameAgreement(frames: ArrayLike<number>[], k: number): number {
  if (frames.length === 0) return 1;
  return frames.filter((p) => argmax(p) === k).length / frames.length;
}

/**
 * Pool per-frame calibrated probabilities into one clip answer. Frames are weighted by
 * exp(beta * expressiveness): a clip that starts neutral and then smiles is a smile. The pooled
 * probabilities then go through the calibration's answer scaling (one-frame inputs and clips
 * apart), so that `confidence` is honest. Returns null when no frame has a face (the caller
 * answers `no_face`).
 */
export function poolClip(
  analysed: FrameAnalysis[],
  calibration: Pick<Calibration, 'poolingBeta' | 'scaling'> & Partial<Calibration>,
): ClipPrediction | null {
  const frames = withClipContext(analysed, calibration);
  const faced = frames.map((f, i) => ({ f, i })).filter(({ f }) => f.probabilities !== null);
  if (faced.length === 0) return null;
  const pooled = [0, 0, 0, 0, 0];
  let total = 0;
  for (const { f } of faced) {
    const w = Math.exp(calibration.poolingBeta * f.expressiveness);
    f.probabilities!.forEach((p, k) => (pooled[k] += w * p));
    total += w;
  }
  const scaling = frames.length === 1 ? calibration.scaling?.image : calibration.scaling?.video;
  const raw = pooled.map((p) => p / total);
  const probs = applyScaling(
    raw,
    scaling,
    frameAgreement(
      faced.map(({ f }) => f.probabilities!),
      argmax(raw),
    ),
  );
  const best = argmax(probs);
  let peak = faced[0];
  for (const entry of faced) if (entry.f.probabilities![best] > peak.f.probabilities![best]) peak = entry;
  const probabilities = Object.fromEntries(EMOTIONS5.map((e, k) => [e, probs[k]])) as Record<
    Emotion5,
    number
  >;
  return {
    emotion: EMOTIONS5[best],
    confidence: probs[best],
    probabilities,
    frames_analyzed: frames.length,
    frames_with_face: faced.length,
    // Every analysed frame appears; frames without a face say so with nulls.
    timeline: frames.map((f) => {
      if (!f.probabilities) return { t: f.t, emotion: null, confidence: null, probabilities: null };
      const k = argmax(f.probabilities);
      const p = f.probabilities;
      return {
        t: f.t,
        emotion: EMOTIONS5[k],
        confidence: p[k],
        probabilities: Object.fromEntries(EMOTIONS5.map((e, j) => [e, p[j]])) as Record<Emotion5, number>,
      };
    }),
    peak_t: peak.f.t,
    peakIndex: peak.i,
  };
}

/**
 * The frames re-scored with their input's context when the calibration asks for it (the
 * pipeline scored each frame alone with the main layer): a one-frame input by the still-image
 * layer, a clip's frames with the clip's speech-robust mouth.
 */
function withClipContext(
  frames: FrameAnalysis[],
  calibration: Pick<Calibration, 'poolingBeta'> & Partial<Calibration>,
): FrameAnalysis[] {
  const still = calibration.still;
  if (frames.length === 1 && still)
    return frames.map((f) => {
      if (!f.features || !f.probabilities) return f;
      const probabilities = framePosterior(stillOutputs(f.features), still);
      return { ...f, probabilities, expressiveness: expressiveness(probabilities) };
    });
  if (calibration.mouthQuantile === undefined || !calibration.weights?.length) return frames;
  const layer = calibration as Calibration;
  const features = speechRobustFrames(
    frames.map((f) => f.features),
    layer.mouthQuantile,
  );
  return frames.map((f, i) => {
    const x = features[i];
    if (!x || !f.probabilities) return f;
    const probabilities = framePosterior(x, layer);
    return { ...f, probabilities, expressiveness: expressiveness(probabilities) };
  });
}

/** A square crop (source pixels, integers, inside the frame). */
export interface SquareBox {
  x: number;
  y: number;
  size: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A face crop's side, in units of the face box's longer side (hair, chin and a margin). */
export const FACE_SQUARE_SCALE = 1.8;

/**
 * One square around the face for the whole clip (for `crop=face` thumbnails): the median face
 * centre and a side of `scale` x the largest face box, so the crop does not jitter between
 * frames. Null when no frame has a face.
 */
export function steadyFaceSquare(
  frames: FrameAnalysis[],
  width: number,
  height: number,
  scale = FACE_SQUARE_SCALE,
): SquareBox | null {
  const boxes = frames.flatMap((f) => (f.face ? [f.face.box] : []));
  if (boxes.length === 0) return null;
  const cx = median(boxes.map((b) => b.x + b.width / 2));
  const cy = median(boxes.map((b) => b.y + b.height / 2));
  const side = Math.max(...boxes.map((b) => Math.max(b.width, b.height))) * scale;
  const size = Math.max(2, Math.min(width, height, Math.round(side / 2) * 2));
  const x = Math.round(Math.min(Math.max(0, cx - size / 2), width - size));
  const y = Math.round(Math.min(Math.max(0, cy - size / 2), height - size));
  return { x, y, size };
}
