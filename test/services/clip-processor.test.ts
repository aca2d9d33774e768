/**
 * The per-clip job itself (what a worker runs), in this process on a real clip, for the
 * parts the HTTP tests cannot reach with a stub port.
 */
import '../../src/polyfills.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AppError } from '../../src/errors.js';
import { processClip } from '../../src/services/clip-processor.js';
import { loadCalibration } from '../../src/vision/calibration.js';
import { EngineCache } from '../../src/vision/engines/factory.js';
import { makeClipFromImage, makeTestClip, SAMPLE_FACES } from '../helpers/clips.js';

describe('processClip', () => {
  let dir: string;
  let clip: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-processclip-'));
    clip = join(dir, 'clip.mp4');
    await makeTestClip(clip, { width: 320, height: 240, fps: 30, seconds: 2, codec: 'h264' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const job = async (maxThumbnailBytes: number | undefined) =>
    processClip(
      {
        inputPath: clip,
        limits: { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 },
        predict: false,
        predictFrames: 15,
        thumbnail: { durationSec: 2, format: 'gif', maxSize: 0, crop: 'none', anchor: 'whole' },
        maxThumbnailBytes,
        engine: { model: 'none', calibration: await loadCalibration() },
      },
      new EngineCache(),
    );

  it('refuses a thumbnail larger than MAX_THUMBNAIL_MB with thumbnail_too_large, saying its size and the limit', async () => {
    const ok = await job(undefined);
    expect(ok.thumbnail!.data.length).toBeGreaterThan(20_000);
    const err = await job(10_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('thumbnail_too_large');
    expect((err as AppError).status).toBe(422);
    expect((err as AppError).message).toMatch(/gif thumbnail would be [\d.]+ MB; the limit is 0\.01 MB/);
    expect((await job(ok.thumbnail!.data.length)).thumbnail!.data.length).toBe(ok.thumbnail!.data.length);
  });

  it("cuts /analyze's peak cover from the model's one decode pass when that pays (a long group of pictures), with the same answer", async () => {
    const face = join(dir, 'smile.mp4');
    // x264's default group of pictures (250): one keyframe for the whole clip.
    await makeClipFromImage(SAMPLE_FACES.image, face, {
      crop: SAMPLE_FACES.smiling,
      size: 320,
      seconds: 3,
      fps: 30,
    });
    const engines = new EngineCache();
    const base = {
      inputPath: face,
      limits: { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 },
      predict: true,
      faceOptional: true,
      predictFrames: 15,
      engine: { model: 'default' as const, calibration: await loadCalibration() },
    };
    const predicted = await processClip(base, engines);
    for (const crop of ['none', 'face'] as const) {
      const analysed = await processClip(
        { ...base, thumbnail: { durationSec: 2, format: 'mp4', maxSize: 96, crop, anchor: 'peak' } },
        engines,
      );
      expect(analysed.prediction).toEqual(predicted.prediction);
      // One pass: no window decode afterwards.
      expect(analysed.timings.decode_thumbnail).toBeUndefined();
      expect(analysed.thumbnail!.frames).toBe(19);
      if (crop === 'face') expect(analysed.thumbnail!.width).toBe(analysed.thumbnail!.height);
    }
  }, 60_000);
});
