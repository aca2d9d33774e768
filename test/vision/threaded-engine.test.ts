import '../../src/polyfills.js';
import { describe, expect, it } from 'vitest';

import { loadCalibration } from '../../src/vision/calibration.js';
import { EngineCache } from '../../src/vision/engines/factory.js';
import { ThreadedEngine } from '../../src/vision/engines/threaded-engine.js';

describe('the engine in a thread of its own (uses the built dist/, as npm test builds first)', () => {
  it('answers like the engine it runs, and the cache replaces an engine whose thread has stopped', async () => {
    const settings = { model: 'default' as const, calibration: await loadCalibration() };
    const cache = new EngineCache(true);
    const first = await cache.get(settings);
    expect(first).toBeInstanceOf(ThreadedEngine);
    expect(await cache.get(settings)).toBe(first);
    // A face-free frame: the thread's engine answers no_face, as the engine itself would.
    const frame = { index: 0, t: 0, width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(90) };
    await expect(first.analyze([frame])).rejects.toMatchObject({ code: 'no_face', status: 422 });
    await (first as ThreadedEngine).close();
    const second = await cache.get(settings);
    expect(second).not.toBe(first);
    await expect(second.analyze([frame])).rejects.toMatchObject({ code: 'no_face' });
    await (second as ThreadedEngine).close();
  });
});
