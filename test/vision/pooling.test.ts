import { describe, expect, it } from 'vitest';
import type { Probs5 } from '../../src/vision/emotions.js';
import type { FrameAnalysis } from '../../src/vision/pipeline.js';
import { poolClip, steadyFaceSquare } from '../../src/vision/pooling.js';
import {
  BASE_FEATURE_NAMES,
  EMBEDDING_SIZE,
  FEATURE_NAMES,
  type Layer,
} from '../../src/vision/calibration.js';

function frame(
  t: number,
  probabilities: Probs5 | null,
  box = { x: 100, y: 50, width: 80, height: 100 },
): FrameAnalysis {
  return {
    t,
    face: probabilities ? { box, score: 0.99 } : null,
    landmarks: null,
    probabilities,
    expressiveness: probabilities ? 1 - probabilities[3] : 0,
    features: null,
  };
}

const NEUTRAL: Probs5 = [0.05, 0.1, 0.05, 0.75, 0.05];
const SMILE: Probs5 = [0.02, 0.9, 0.02, 0.04, 0.02];

/** A layer that answers `k` whatever it sees (only its bias speaks). */
function constantLayer(k: number): Layer {
  const n = FEATURE_NAMES.length;
  return {
    features: FEATURE_NAMES,
    mean: new Array<number>(n).fill(0),
    std: new Array<number>(n).fill(1),
    weights: Array.from({ length: 5 }, () => new Array<number>(n).fill(0)),
    bias: [0, 1, 2, 3, 4].map((j) => (j === k ? 3 : 0)),
  };
}

function withFeatures(f: FrameAnalysis): FrameAnalysis {
  const ef = new Array<number>(EMBEDDING_SIZE).fill(0.1);
  return {
    ...f,
    features: {
      p7: [0, 0, 0, 1, 0, 0, 0],
      q7: [0, 0, 0, 1, 0, 0, 0],
      geometry: new Array<number>(BASE_FEATURE_NAMES.length - 10).fill(0.3),
      ef,
      ea: ef,
    },
  };
}

describe('poolClip', () => {
  it('the still-image layer reads the mirror-averaged outputs when a one-frame input has them', () => {
    // Sad when the first FER embedding number is high, else Happy
    const still = constantLayer(1);
    still.weights[4][BASE_FEATURE_NAMES.length] = 1;
    const f = withFeatures(frame(0, SMILE));
    const ef = f.features!.ef!.map((v, i) => (i === 0 ? 10 : v));
    const mirrored = { p7: f.features!.p7, q7: f.features!.q7, ef, ea: f.features!.ea! };
    expect(poolClip([f], { poolingBeta: 0, still })!.emotion).toBe('Happy');
    expect(
      poolClip([{ ...f, features: { ...f.features!, mirrored } }], { poolingBeta: 0, still })!.emotion,
    ).toBe('Sad');
  });

  it('a one-frame input is answered by the still-image layer when there is one; clips are not', () => {
    const still = constantLayer(4); // Sad
    const image = poolClip([withFeatures(frame(0, SMILE))], { poolingBeta: 0, still })!;
    expect(image.emotion).toBe('Sad');
    expect(image.timeline[0].emotion).toBe('Sad');
    const clip = poolClip([withFeatures(frame(0, SMILE)), withFeatures(frame(1, SMILE))], {
      poolingBeta: 0,
      still,
    })!;
    expect(clip.emotion).toBe('Happy');
  });

  it('returns null when no frame has a face (the caller answers no_face)', () => {
    expect(poolClip([frame(0, null), frame(0.5, null)], { poolingBeta: 0 })).toBeNull();
  });

  it('averages frames with a face and counts frames', () => {
    const clip = poolClip([frame(0, SMILE), frame(0.5, null), frame(1, SMILE)], { poolingBeta: 0 })!;
    expect(clip.emotion).toBe('Happy');
    expect(clip.confidence).toBe(0.9);
    expect(clip.frames_analyzed).toBe(3);
    expect(clip.frames_with_face).toBe(2);
    // One point per analysed frame; the frame without a face says so with nulls.
    const smile = { Anger: 0.02, Happy: 0.9, Shock: 0.02, Neutral: 0.04, Sad: 0.02 };
    expect(clip.timeline).toEqual([
      { t: 0, emotion: 'Happy', confidence: 0.9, probabilities: smile },
      { t: 0.5, emotion: null, confidence: null, probabilities: null },
      { t: 1, emotion: 'Happy', confidence: 0.9, probabilities: smile },
    ]);
  });

  it('with a positive beta, expressive frames outweigh a neutral onset', () => {
    const frames = [
      frame(0, NEUTRAL),
      frame(0.3, NEUTRAL),
      frame(0.6, NEUTRAL),
      frame(0.9, SMILE),
      frame(1.2, SMILE),
    ];
    expect(poolClip(frames, { poolingBeta: 0 })!.emotion).toBe('Neutral');
    expect(poolClip(frames, { poolingBeta: 4 })!.emotion).toBe('Happy');
  });

  it('leaves values unrounded (the HTTP edge rounds), probabilities sum to 1, the peak is the strongest frame of the answer', () => {
    const mild: Probs5 = [0.1, 0.55, 0.1, 0.15, 0.1];
    const clip = poolClip([frame(0, mild), frame(1, SMILE), frame(2, mild)], { poolingBeta: 0 })!;
    expect(clip.peakIndex).toBe(1);
    expect(clip.peak_t).toBe(1);
    const sum = Object.values(clip.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 10);
    expect(clip.probabilities.Anger).toBeCloseTo(0.22 / 3, 12);
    expect(clip.confidence).toBe(clip.probabilities.Happy);
  });
});

describe('poolClip answer scaling', () => {
  it('applies the image scaling to one-frame inputs and the video one to clips', () => {
    const scaling = {
      image: { temperature: 2, bias: [0, 0, 0, 0, 0] },
      video: { temperature: 0.5, bias: [0, 0, 0, 0, 0] },
    };
    const still = poolClip([frame(0, SMILE)], { poolingBeta: 0, scaling })!;
    const clip = poolClip([frame(0, SMILE), frame(0.5, SMILE)], { poolingBeta: 0, scaling })!;
    expect(still.emotion).toBe('Happy');
    expect(still.confidence).toBeLessThan(0.9);
    expect(clip.confidence).toBeGreaterThan(0.9);
    const sum = Object.values(clip.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
  });

  it('a class bias can change the answer (class-prior correction)', () => {
    const close: Probs5 = [0.1, 0.38, 0.05, 0.4, 0.07];
    const plain = poolClip([frame(0, close)], { poolingBeta: 0 })!;
    const corrected = poolClip([frame(0, close)], {
      poolingBeta: 0,
      scaling: { image: { temperature: 1, bias: [0, 0.2, 0, -0.2, 0] } },
    })!;
    expect(plain.emotion).toBe('Neutral');
    expect(corrected.emotion).toBe('Happy');
  });
});

describe('steadyFaceSquare', () => {
  it('is one square around the median face, inside the frame', () => {
    const frames = [
      frame(0, SMILE, { x: 100, y: 50, width: 80, height: 100 }),
      frame(1, SMILE, { x: 104, y: 52, width: 80, height: 100 }),
      frame(2, null),
      frame(3, SMILE, { x: 300, y: 50, width: 80, height: 100 }), // one outlier does not move it
    ];
    const sq = steadyFaceSquare(frames, 640, 360)!;
    expect(sq.size).toBe(180);
    expect(sq.x).toBeGreaterThanOrEqual(0);
    expect(sq.y).toBeGreaterThanOrEqual(0);
    expect(sq.x + sq.size).toBeLessThanOrEqual(640);
    expect(sq.y + sq.size).toBeLessThanOrEqual(360);
    // centred near x = 144..146 (the median of the face centres)
    expect(Math.abs(sq.x + sq.size / 2 - 145)).toBeLessThanOrEqual(2);
  });

  it('is clamped to the frame and null without faces', () => {
    const sq = steadyFaceSquare([frame(0, SMILE, { x: 0, y: 0, width: 300, height: 300 })], 320, 240)!;
    expect(sq).toEqual({ x: 30, y: 0, size: 240 });
    expect(steadyFaceSquare([frame(0, null)], 320, 240)).toBeNull();
  });
});
