import { describe, expect, it } from 'vitest';
import { loadHumanModel, onceUnlessFailed } from '../../src/vision/model-loader.js';

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

describe('onceUnlessFailed', () => {
  it('runs the load once for every caller, and again after a failure', async () => {
    let runs = 0;
    const load = onceUnlessFailed(async () => {
      runs++;
      if (runs === 1) throw new Error('first load fails');
      return runs;
    });
    await expect(load()).rejects.toThrow('first load fails');
    const [a, b] = [load(), load()];
    expect(a).toBe(b);
    expect(await a).toBe(2);
    expect(await load()).toBe(2);
    expect(runs).toBe(2);
  });
});
