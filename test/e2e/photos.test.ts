/**
 * Still photos end to end: the real server, real models, JPEG, PNG, WebP and HEIC photos
 * made in the test run from a frame of the smiling-face clip, by every upload form, on the
 * sync and the job endpoints; the cut-off, sideways (EXIF orientation), faceless and
 * oversized ones; /thumbnail's refusal.
 */
import '../../src/polyfills.js';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEmotionClient, type PredictResult } from '@emothumb/client';
import { makeFacePhotos, type FacePhotos } from '../helpers/face-photos.js';
import { SMILING_PHOTO } from '../helpers/face-clips.js';
import { send } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';

/** A photo's answer: the clip's shape, for one frame at t = 0. */
function expectOneFrame(body: PredictResult): void {
  expect(body.frames_analyzed).toBe(1);
  expect(body.frames_with_face).toBe(1);
  expect(body.timeline).toHaveLength(1);
  // The point is the frame's own calibrated reading (before the answer's confidence scaling).
  expect(body.timeline[0]).toMatchObject({ t: 0, emotion: expect.any(String) });
  expect(body.peak_t).toBe(0);
  expect(body.face).not.toBeNull();
  expect(body.confidence).toBe(body.probabilities[body.emotion]);
}

describe('still photos (real server, real models)', () => {
  let server: RunningServer;
  let dir: string;
  let photos: FacePhotos;
  const client = () => createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-photos-'));
    photos = await makeFacePhotos(dir);
    // Small limits, to see them apply to photos: 1280x720 pixels, 1 MB.
    server = await startServer({ MAX_PIXELS: '1280x720', MAX_UPLOAD_MB: '1' });
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers a JPEG, PNG, WebP and HEIC photo of a smiling face Happy, as one frame, by every transport', async () => {
    const jpeg = await client().predict(photos.jpeg, { contentType: 'image/jpeg' });
    expectOneFrame(jpeg);
    expect(jpeg.emotion).toBe('Happy');
    const answers = [
      await client().predict(photos.png, { contentType: 'image/png' }),
      await client().predict(photos.webp, { contentType: 'image/webp' }),
      await client().predict(photos.heic, { contentType: 'image/heic' }),
      await client().predict(photos.png, { upload: 'json' }), // format "png" from the extension
      await client().predict(photos.webp, { upload: 'multipart', contentType: 'image/webp' }),
      await client().predict(photos.jpeg), // application/octet-stream
    ];
    for (const body of answers) {
      expectOneFrame(body);
      expect(body.emotion).toBe('Happy');
    }
    // The same bytes give the same answer whichever way they come, a wrong hint included.
    const hinted = await client().predict(photos.jpeg, { upload: 'json', format: 'webp' });
    expect(hinted.probabilities).toEqual(jpeg.probabilities);
    expect(answers.at(-1)!.probabilities).toEqual(jpeg.probabilities);
  });

  it('/analyze of a photo: the prediction and the face-cropped photo as a JPEG cover (WebP when asked)', async () => {
    const predicted = await client().predict(photos.jpeg, { contentType: 'image/jpeg' });
    const body = await client().analyze(photos.jpeg, { contentType: 'image/jpeg' });
    expectOneFrame(body);
    expect(body.probabilities).toEqual(predicted.probabilities);
    expect(body.thumbnail).toMatchObject({
      format: 'jpeg',
      mime_type: 'image/jpeg',
      frames: 1,
      fps: 0,
      duration: 0,
    });
    // A square around the face, no larger than the photo (360 px) nor max_size.
    expect(body.thumbnail.width).toBe(body.thumbnail.height);
    expect(body.thumbnail.width).toBeLessThan(360);
    const cover = Buffer.from(body.thumbnail.thumbnail, 'base64');
    expect([...cover.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...cover.subarray(-2)]).toEqual([0xff, 0xd9]);

    const webp = await client().analyze(photos.png, { upload: 'json', output_format: 'webp', max_size: 64 });
    expect(webp.thumbnail).toMatchObject({ format: 'webp', mime_type: 'image/webp', frames: 1 });
    expect(Math.max(webp.thumbnail.width, webp.thumbnail.height)).toBeLessThanOrEqual(64);
    const file = Buffer.from(webp.thumbnail.thumbnail, 'base64');
    expect(file.toString('ascii', 0, 4) + file.toString('ascii', 8, 12)).toBe('RIFFWEBP');
    // A still WebP: no animation chunk.
    expect(file.includes(Buffer.from('ANIM'))).toBe(false);
  });

  it('turns a photo upright by its EXIF orientation: the sideways-stored JPEG reads as the upright one', async () => {
    const upright = await client().predict(photos.wideJpeg, { contentType: 'image/jpeg' });
    const rotated = await client().predict(photos.rotatedJpeg, { contentType: 'image/jpeg' });
    expectOneFrame(rotated);
    expect(upright.emotion).toBe('Happy');
    expect(rotated.emotion).toBe('Happy');
    // The face box is in the upright picture's fractions: where the upright photo has it
    // (stored sideways, x and y would swap roles).
    for (const k of ['x', 'y', 'width', 'height'] as const)
      expect(Math.abs(rotated.face![k] - upright.face![k])).toBeLessThan(0.03);
    for (const e of Object.keys(upright.probabilities) as (keyof PredictResult['probabilities'])[])
      expect(Math.abs(rotated.probabilities[e] - upright.probabilities[e])).toBeLessThan(0.1);
    // Its cover is upright: landscape, as the picture is viewed (stored 270x360).
    const cover = await client().analyze(photos.rotatedJpeg, {
      contentType: 'image/jpeg',
      crop: 'none',
      max_size: 0,
    });
    expect([cover.thumbnail.width, cover.thumbnail.height]).toEqual([360, 270]);
  });

  it('refuses a cut-off JPEG or PNG with 422 truncated_image, and goes on serving', async () => {
    await expect(client().predict(photos.truncatedJpeg, { contentType: 'image/jpeg' })).rejects.toMatchObject(
      {
        status: 422,
        code: 'truncated_image',
      },
    );
    await expect(client().analyze(photos.truncatedPng, { upload: 'json' })).rejects.toMatchObject({
      status: 422,
      code: 'truncated_image',
    });
    expect((await client().predict(photos.jpeg, { contentType: 'image/jpeg' })).emotion).toBe('Happy');
  });

  it('answers a photo without a face with 422 no_face, as for clips', async () => {
    await expect(client().predict(photos.noFaceJpeg, { contentType: 'image/jpeg' })).rejects.toMatchObject({
      status: 422,
      code: 'no_face',
    });
  });

  it('refuses a photo on /thumbnail and /jobs/thumbnail with 422 still_image, pointing to /predict and /analyze', async () => {
    const err = await client()
      .thumbnail(photos.jpeg, { contentType: 'image/jpeg' })
      .then(
        () => undefined,
        (e: unknown) => e as { status: number; code: string; message: string },
      );
    expect(err).toMatchObject({ status: 422, code: 'still_image' });
    expect(err!.message).toMatch(/\/predict or \/analyze/);
    const { job_id } = await client().submitJob('thumbnail', photos.png, { upload: 'json' });
    expect(await client().waitForJob(job_id, { intervalMs: 100 })).toMatchObject({
      status: 'failed',
      error: { code: 'still_image' },
    });
  });

  it('runs photos as async jobs: /jobs/predict and /jobs/analyze', async () => {
    const predict = await client().submitJob('predict', photos.webp, { contentType: 'image/webp' });
    const analyze = await client().submitJob('analyze', photos.jpeg, {
      upload: 'multipart',
      contentType: 'image/jpeg',
    });
    const p = await client().waitForJob(predict.job_id, { intervalMs: 100 });
    const a = await client().waitForJob(analyze.job_id, { intervalMs: 100 });
    expect(p).toMatchObject({
      status: 'succeeded',
      result: { emotion: 'Happy', frames_analyzed: 1, peak_t: 0 },
    });
    expect(a).toMatchObject({
      status: 'succeeded',
      result: { emotion: 'Happy', thumbnail: { format: 'jpeg', mime_type: 'image/jpeg', frames: 1 } },
    });
  });

  it('applies MAX_PIXELS and MAX_UPLOAD_MB to photos', async () => {
    // The dependency's 1920x1280 sample photo: above 1280x720, refused from its header.
    await expect(client().predict(SMILING_PHOTO, { contentType: 'image/jpeg' })).rejects.toMatchObject({
      status: 422,
      code: 'too_many_pixels',
    });
    const big = join(dir, 'big.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', SMILING_PHOTO, big]);
    expect((await readFile(big)).length).toBeGreaterThan(1024 * 1024);
    await expect(client().predict(big, { contentType: 'image/png' })).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
  });

  it('logs photo requests like every request', async () => {
    const res = await send(`${server.url}/logs?endpoint=/predict&limit=1000`, { headers: authHeaders() });
    const logs = res.json<{
      logs: { status_code: number; prediction: string | null; error_code: string | null }[];
    }>().logs;
    expect(logs.some((l) => l.status_code === 200 && l.prediction === 'Happy')).toBe(true);
    expect(logs.some((l) => l.status_code === 422 && l.error_code === 'truncated_image')).toBe(true);
    expect(logs.some((l) => l.status_code === 422 && l.error_code === 'no_face')).toBe(true);
    expect(logs.some((l) => l.status_code === 413)).toBe(true);
  });
});
