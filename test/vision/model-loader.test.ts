import { describe, expect, it } from 'vitest';
import { loadHumanModel } from '../../src/vision/model-loader.js';

describe('loadHumanModel', () => {
  it('keeps a loaded net for the next caller', async () => {
    const first = loadHumanModel('emotion');
    expect(loadHumanModel('emotion')).toBe(first);
    await first;
  });

  it('does not keep a failed load: the next caller tries again', async () => {
    const first = loadHumanModel('no-such-model');
    await expect(first).rejects.toThrow(/no-such-model/);
    const second = loadHumanModel('no-such-model');
    expect(second).not.toBe(first);
    await expect(second).rejects.toThrow(/no-such-model/);
  });
});
