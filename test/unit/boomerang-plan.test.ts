import { describe, expect, it } from 'vitest';
import {
  boomerangOutputFrameCount,
  boomerangSourceFrameCount,
  centreSquare,
  peakWindowIndices,
} from '../../src/services/boomerang-plan.js';

describe('boomerang plan', () => {
  it('samples duration/2*10 frames and plays 2n-1', () => {
    expect(boomerangSourceFrameCount(3)).toBe(15);
    expect(boomerangOutputFrameCount(15)).toBe(29);
    expect(boomerangSourceFrameCount(10)).toBe(50);
    expect(boomerangSourceFrameCount(0.1)).toBe(2);
  });
  it('centres a real-time window on the peak and keeps it inside the clip', () => {
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 2.5, 5)).toEqual([69, 72, 75, 78, 81]);
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 0, 5)).toEqual([0, 3, 6, 9, 12]);
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 5, 5)).toEqual([137, 140, 143, 146, 149]);
    // Too short for a real-time window: sample the whole clip.
    expect(peakWindowIndices({ frameCount: 20, fps: 30 }, 0.3, 15)).toHaveLength(15);
  });
  it('starts the window at a keyframe within a third of the window of the centred start', () => {
    const keyframes = [0, 30, 60, 90, 120];
    // 15 frames at stride 3 span 42 frames; centred on 75 the window would start at 54.
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 2.5, 15, keyframes)[0]).toBe(60);
    // Centred start 39: keyframe 30 is 9 away (within 14), the peak (60) stays inside.
    const w = peakWindowIndices({ frameCount: 150, fps: 30 }, 2, 15, keyframes);
    expect(w[0]).toBe(30);
    expect(w).toContain(60);
    // Centred start 45: 30 and 60 are 15 away, beyond a third of the span: centred as before.
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 2.2, 15, keyframes)[0]).toBe(45);
    // A keyframe the window would run past the clip's end from is not used.
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 4.6, 15, keyframes)[0]).toBe(107);
    // No keyframes known (no packet index): centred.
    expect(peakWindowIndices({ frameCount: 150, fps: 30 }, 2.5, 15)[0]).toBe(54);
  });
  it('crops the largest even centred square', () => {
    expect(centreSquare(1920, 1080)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(centreSquare(721, 1281)).toEqual({ x: 0, y: 280, width: 720, height: 720 });
  });
});
