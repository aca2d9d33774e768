/**
 * The small clips committed under `test/fixtures/media/` (made by its
 * `make-fixtures.ts`, described in its README): each probes and decodes through the
 * media layer as the service would take it.
 */
import '../../src/polyfills.js';

import { statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AppError } from '../../src/errors.js';
import { decodeFrames, evenlySpacedIndices, probeVideo } from '../../src/media/index.js';
import { frameIndexFromRgb, hasRedMarkerTopLeft } from '../helpers/test-pattern-clips.js';
import { LIMITS } from './fixtures.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'media');
const fixture = (name: string): string => join(FIXTURES, name);

describe('committed media fixtures', () => {
  it.each(['face-smile-aac.mp4', 'portrait-rotated-90-aac.mov', 'corrupt.mp4'])(
    '%s is there and stays small (under 200 KB)',
    (name) => {
      const size = statSync(fixture(name)).size;
      expect(size).toBeGreaterThan(1000);
      expect(size).toBeLessThan(200 * 1024);
    },
  );

  it('face-smile-aac.mp4: H.264 with sound, decodes 15 landscape frames', async () => {
    const path = fixture('face-smile-aac.mp4');
    const info = await probeVideo(path, LIMITS);
    expect(info).toMatchObject({ codec: 'h264', width: 320, height: 180, rotation: 0, hasAudio: true });
    expect(info.displayWidth).toBeGreaterThan(info.displayHeight);
    expect(info.frameCount).toBeGreaterThanOrEqual(15);

    const indices = evenlySpacedIndices(info.frameCount, 15);
    const [frames] = await decodeFrames(path, info, [{ indices, maxSide: 256 }]);
    expect(frames).toHaveLength(15);
    expect(frames.map((f) => f.index)).toEqual(indices);
    for (const f of frames) {
      expect(f.width).toBeGreaterThan(f.height);
      expect(f.data.length).toBe(f.width * f.height * 3);
    }
  });

  it('portrait-rotated-90-aac.mov: coded landscape, rotation 90, shown portrait and upright, with sound', async () => {
    const path = fixture('portrait-rotated-90-aac.mov');
    const info = await probeVideo(path, LIMITS);
    expect(info).toMatchObject({ width: 320, height: 180, rotation: 90, hasAudio: true });
    expect(info.displayHeight).toBeGreaterThan(info.displayWidth);

    const indices = evenlySpacedIndices(info.frameCount, 15);
    const [frames] = await decodeFrames(path, info, [{ indices, maxSide: 0 }]);
    expect(frames).toHaveLength(15);
    for (const f of frames) expect(f.height).toBeGreaterThan(f.width);
    // The test pattern reads back only from an upright picture.
    expect(frames.map(frameIndexFromRgb)).toEqual(indices);
    expect(frames.every((f) => hasRedMarkerTopLeft(f))).toBe(true);
  });

  it('corrupt.mp4: decodes or fails with an AppError code, never a crash', async () => {
    const path = fixture('corrupt.mp4');
    try {
      const info = await probeVideo(path, LIMITS);
      const [frames] = await decodeFrames(path, info, [
        { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 256 },
      ]);
      expect(frames).toHaveLength(15);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toMatch(/^[a-z_]+$/);
    }
  });
});
