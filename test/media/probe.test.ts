import '../../src/polyfills.js';

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AppError } from '../../src/errors.js';
import { probeVideo } from '../../src/media/index.js';
import {
  makeAudioOnlyFile,
  makeBombPng,
  makeGarbageFile,
  makeTestClip,
  makeTruncatedFile,
} from '../helpers/clips.js';
import { withExifOrientation } from '../helpers/face-photos.js';
import { LIMITS, tempDir } from './fixtures.js';

const tmp = tempDir();
const clip = tmp.path('landscape.mp4');
const portrait = tmp.path('portrait.mp4');
const short = tmp.path('short.mp4');

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  await makeTestClip(clip, { width: 320, height: 180, fps: 30, seconds: 1, codec: 'h264' });
  await makeTestClip(portrait, { width: 320, height: 180, fps: 25, seconds: 1, codec: 'h264', rotation: 90 });
  await makeTestClip(short, { width: 160, height: 90, fps: 30, seconds: 10 / 30, codec: 'h264' });
});
afterAll(() => tmp.cleanup());

describe('probeVideo', () => {
  it('reads size, codec, duration, fps and the exact frame count from the header', async () => {
    const info = await probeVideo(clip, LIMITS);
    expect(info).toMatchObject({
      codec: 'h264',
      width: 320,
      height: 180,
      rotation: 0,
      displayWidth: 320,
      displayHeight: 180,
      fps: 30,
      frameCount: 30,
      pixelFormat: 'yuv420p',
      hasAudio: false,
      isImage: false,
    });
    expect(info.container).toContain('mp4');
    expect(info.durationSec).toBeCloseTo(1, 2);
  });

  it('applies the display matrix of a portrait phone clip: rotation 90, display size swapped', async () => {
    const info = await probeVideo(portrait, LIMITS);
    expect(info.rotation).toBe(90);
    expect([info.width, info.height]).toEqual([320, 180]);
    expect([info.displayWidth, info.displayHeight]).toEqual([180, 320]);
    expect(info.frameCount).toBe(25);
  });

  it('refuses a frame area above maxPixels from the header (decompression bomb)', async () => {
    expect(await refusal(probeVideo(clip, { ...LIMITS, maxPixels: 320 * 180 - 1 }))).toBe('too_many_pixels');
    await expect(probeVideo(clip, { ...LIMITS, maxPixels: 320 * 180 })).resolves.toBeTruthy();
  });

  it('refuses a clip longer than maxSeconds', async () => {
    expect(await refusal(probeVideo(clip, { ...LIMITS, maxSeconds: 0.5 }))).toBe('video_too_long');
  });

  it('refuses a clip with fewer than minFrames frames', async () => {
    expect(await refusal(probeVideo(short, LIMITS))).toBe('too_few_frames');
    await expect(probeVideo(short, { ...LIMITS, minFrames: 10 })).resolves.toMatchObject({ frameCount: 10 });
  });

  it('refuses an audio-only file as no_video_stream', async () => {
    const wav = tmp.path('tone.wav');
    makeAudioOnlyFile(wav);
    expect(await refusal(probeVideo(wav, LIMITS))).toBe('no_video_stream');
  });

  it('refuses garbage, a truncated upload and a missing file as not_a_video', async () => {
    const junk = tmp.path('junk.bin');
    makeGarbageFile(junk);
    expect(await refusal(probeVideo(junk, LIMITS))).toBe('not_a_video');
    const cut = tmp.path('cut.mp4');
    makeTruncatedFile(clip, cut, 0.3);
    expect(await refusal(probeVideo(cut, LIMITS))).toBe('not_a_video');
    expect(await refusal(probeVideo(tmp.path('nope.mp4'), LIMITS))).toBe('not_a_video');
  });

  it('refuses an image whose header claims too many pixels, before decoding it', async () => {
    const bomb = tmp.path('bomb.png');
    makeBombPng(bomb, 30000, 30000);
    expect(await refusal(probeVideo(bomb, { ...LIMITS, minFrames: 1 }))).toBe('too_many_pixels');
    const jpg = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
    expect(await refusal(probeVideo(jpg, { ...LIMITS, minFrames: 1, maxPixels: 1920 * 1280 - 1 }))).toBe(
      'too_many_pixels',
    );
  });

  it('reads the rotation of a WebM/Matroska clip', async () => {
    const webm = tmp.path('portrait.webm');
    await makeTestClip(webm, { width: 160, height: 90, fps: 30, seconds: 0.5, codec: 'vp9', rotation: 90 });
    const info = await probeVideo(webm, LIMITS);
    expect(info).toMatchObject({
      codec: 'vp9',
      rotation: 90,
      displayWidth: 90,
      displayHeight: 160,
      frameCount: 15,
    });
  });

  it('probes a still image as a one-frame video, accepted only with minFrames 1', async () => {
    const jpg = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
    const info = await probeVideo(jpg, { ...LIMITS, minFrames: 1 });
    expect(info).toMatchObject({ isImage: true, frameCount: 1, codec: 'mjpeg', rotation: 0 });
    expect(info.width).toBeGreaterThan(100);
    expect(await refusal(probeVideo(jpg, LIMITS))).toBe('still_image');
  });

  it('accepts a still image whatever minFrames says with stills: true, and refuses it with stills: false', async () => {
    const jpg = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
    expect(await probeVideo(jpg, { ...LIMITS, stills: true })).toMatchObject({
      isImage: true,
      frameCount: 1,
    });
    expect(await refusal(probeVideo(jpg, { ...LIMITS, minFrames: 1, stills: false }))).toBe('still_image');
    // Clips are not concerned.
    expect((await probeVideo(clip, { ...LIMITS, stills: false })).isImage).toBe(false);
    expect(await refusal(probeVideo(short, { ...LIMITS, stills: true }))).toBe('too_few_frames');
  });

  it("applies a JPEG's EXIF orientation: rotation, and the display size turned", async () => {
    const sample = readFileSync('node_modules/@vladmandic/face-api/demo/sample1.jpg');
    const turned = tmp.path('exif6.jpg');
    writeFileSync(turned, withExifOrientation(sample, 6));
    expect(await probeVideo(turned, { ...LIMITS, stills: true })).toMatchObject({
      width: 1920,
      height: 1280,
      rotation: 90,
      displayWidth: 1280,
      displayHeight: 1920,
    });
  });

  it('refuses a cut-off JPEG or PNG with truncated_image', async () => {
    const sample = readFileSync('node_modules/@vladmandic/face-api/demo/sample1.jpg');
    const cut = tmp.path('cut.jpg');
    writeFileSync(cut, sample.subarray(0, Math.floor(sample.length * 0.7)));
    expect(await refusal(probeVideo(cut, { ...LIMITS, stills: true }))).toBe('truncated_image');
    const png = tmp.path('whole.png');
    await makeTestClip(tmp.path('png-source.mp4'), {
      width: 64,
      height: 48,
      fps: 15,
      seconds: 1,
      codec: 'h264',
    });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', tmp.path('png-source.mp4'), '-frames:v', '1', png]);
    writeFileSync(tmp.path('cut.png'), readFileSync(png).subarray(0, 200));
    expect(await refusal(probeVideo(tmp.path('cut.png'), { ...LIMITS, stills: true }))).toBe(
      'truncated_image',
    );
  });
});
