import { describe, expect, it } from 'vitest';
import { framePosterior, loadCalibration } from '../../src/vision/calibration.js';
import { SPEECH_GEOMETRY, speechRobustFrames } from '../../src/vision/clip-features.js';
import type { Probs5 } from '../../src/vision/emotions.js';
import type { FrameAnalysis, FrameFeatures } from '../../src/vision/pipeline.js';
import { poolClip } from '../../src/vision/pooling.js';

const NEUTRAL_FER = [0.02, 0.01, 0.02, 0.03, 0.05, 0.02, 0.85];
// mouth_open, mouth_width, lip_corner_lift, eye_open, brow_raise, brow_inner_gap, brow_inner_raise, jaw_drop
const CLOSED = [0.02, 0.95, 0.02, 0.12, 0.3, 0.45, 0.33, 1.15];
const OPEN = [0.45, 0.8, 0.02, 0.12, 0.3, 0.45, 0.33, 1.45];

const features = (geometry: number[]): FrameFeatures => ({ p7: NEUTRAL_FER, q7: NEUTRAL_FER, geometry });

describe('speech-robust mouth (clip context)', () => {
  it('gives every frame of a clip the low quantile of mouth opening and jaw drop, and nothing else', () => {
    // talking: the mouth opens and closes
    const talk = [CLOSED, OPEN, CLOSED, OPEN, OPEN, CLOSED, OPEN, CLOSED, OPEN, CLOSED].map(features);
    const out = speechRobustFrames([...talk, null], 0.2);
    expect(out[10]).toBeNull();
    for (const f of out.slice(0, 10)) {
      expect(f!.geometry[SPEECH_GEOMETRY[0]]).toBe(CLOSED[0]);
      expect(f!.geometry[SPEECH_GEOMETRY[1]]).toBe(CLOSED[7]);
    }
    expect(out[1]!.geometry[1]).toBe(OPEN[1]);
    // a held open mouth stays open
    const held = speechRobustFrames([OPEN, OPEN, OPEN].map(features), 0.2);
    expect(held[0]!.geometry[0]).toBe(OPEN[0]);
  });

  it('leaves one-frame inputs and an unset quantile alone', () => {
    const one = [features(OPEN)];
    expect(speechRobustFrames(one, 0.2)).toBe(one);
    const clip = [features(OPEN), features(CLOSED)];
    expect(speechRobustFrames(clip, undefined)).toBe(clip);
  });

  it('poolClip re-scores a talking clip with the clip context when the calibration asks for it', async () => {
    const cal = await loadCalibration();
    expect(cal.mouthQuantile).toBeDefined();
    const frame = (t: number, geometry: number[]): FrameAnalysis => {
      const f = features(geometry);
      const probabilities = framePosterior(f, cal) as Probs5;
      return {
        t,
        face: { box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.9 },
        landmarks: null,
        probabilities,
        expressiveness: 1 - probabilities[3],
        features: f,
      };
    };
    const talk = [OPEN, CLOSED, OPEN, CLOSED, OPEN, OPEN, CLOSED, OPEN].map((g, i) => frame(i / 10, g));
    const withContext = poolClip(talk, cal)!;
    const frameAlone = poolClip(talk, { ...cal, mouthQuantile: undefined })!;
    // The open-mouth frames no longer pull the clip towards Shock.
    expect(withContext.probabilities.Shock).toBeLessThan(frameAlone.probabilities.Shock);
    const open = talk[0].probabilities!;
    expect(withContext.timeline[0].probabilities!.Shock).toBeLessThan(open[2]);
  });
});
