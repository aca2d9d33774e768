import { describe, expect, it } from 'vitest';
import { argmax, EMOTIONS5, FER7, FER7_TO_5, isEmotion5, mapFer7To5 } from '../../src/vision/emotions.js';

describe('FER2013 -> five classes', () => {
  it('keeps the seed order Anger, Happy, Shock, Neutral, Sad', () => {
    expect(EMOTIONS5).toEqual(['Anger', 'Happy', 'Shock', 'Neutral', 'Sad']);
  });

  it('maps angry+disgust to Anger, fear+surprise to Shock, and the rest one to one', () => {
    expect(FER7_TO_5).toEqual({
      angry: 'Anger',
      disgust: 'Anger',
      fear: 'Shock',
      happy: 'Happy',
      sad: 'Sad',
      surprise: 'Shock',
      neutral: 'Neutral',
    });
  });

  it('sums probabilities so the five still add up to one', () => {
    // angry, disgust, fear, happy, sad, surprise, neutral
    const p5 = mapFer7To5([0.1, 0.05, 0.2, 0.3, 0.15, 0.1, 0.1]);
    expect(p5[0]).toBeCloseTo(0.15);
    expect(p5[1]).toBeCloseTo(0.3);
    expect(p5[2]).toBeCloseTo(0.3);
    expect(p5[3]).toBeCloseTo(0.1);
    expect(p5[4]).toBeCloseTo(0.15);
    expect(p5.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(FER7).toHaveLength(7);
  });

  it('argmax picks the first of equal maxima and isEmotion5 guards names', () => {
    expect(argmax([0.1, 0.4, 0.4, 0.1])).toBe(1);
    expect(isEmotion5('Happy')).toBe(true);
    expect(isEmotion5('happy')).toBe(false);
  });
});
