import '../../src/polyfills.js';

import { writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BoomerangEncoder,
  boomerangOrder,
  StillEncoder,
  stillFormatFor,
  decodeFrames,
  encodeBoomerang,
  evenlySpacedIndices,
  probeVideo,
  type RgbFrame,
} from '../../src/media/index.js';
import {
  frameIndexFromRgb,
  hasRedMarkerTopLeft,
  inspectAnimatedWebp,
  makeTestClip,
} from '../helpers/clips.js';
import { LIMITS, tempDir } from './fixtures.js';

const tmp = tempDir();
let frames: RgbFrame[] = [];
let want: number[] = [];

beforeAll(async () => {
  const clip = tmp.path('portrait.mp4');
  // A portrait phone clip: the thumbnail must come out upright.
  await makeTestClip(clip, { width: 480, height: 270, fps: 30, seconds: 3, codec: 'h264', rotation: 90 });
  const info = await probeVideo(clip, LIMITS);
  want = evenlySpacedIndices(info.frameCount, 15); // duration 3 -> 3/2*10 = 15 samples, as the seed
  [frames] = await decodeFrames(clip, info, [{ indices: want, maxSide: 240 }]);
}, 60_000);
afterAll(() => tmp.cleanup());

/** Decodes every frame of an encoded thumbnail. */
async function decodeAll(data: Buffer, ext: string): Promise<RgbFrame[]> {
  const p = tmp.path(`out-${Math.random().toString(36).slice(2)}.${ext}`);
  writeFileSync(p, data);
  const info = await probeVideo(p, { ...LIMITS, minFrames: 1 });
  const [all] = await decodeFrames(p, info, [{ indices: [...Array(info.frameCount).keys()], maxSide: 0 }], {
    minFrames: 1,
  });
  return all;
}

describe('boomerangOrder', () => {
  it('plays forward then backward without repeating the turning frame', () => {
    expect(boomerangOrder(1)).toEqual([0]);
    expect(boomerangOrder(3)).toEqual([0, 1, 2, 1, 0]);
    expect(boomerangOrder(15)).toHaveLength(29);
  });
});

describe('encodeBoomerang', () => {
  it('mp4: 15 frames -> 29 frames at 10 fps, forward then backward, upright', async () => {
    const out = await encodeBoomerang(frames, { format: 'mp4', fps: 10 });
    expect(out).toMatchObject({
      mimeType: 'video/mp4',
      width: 136,
      height: 240,
      frames: 29,
      fps: 10,
      durationSec: 2.9,
    });
    const expected = boomerangOrder(15).map((i) => want[i]);
    const decoded = await decodeAll(out.data, 'mp4');
    expect(decoded).toHaveLength(29);
    expect(decoded.map(frameIndexFromRgb)).toEqual(expected);
    expect(decoded.every(hasRedMarkerTopLeft)).toBe(true);
  });

  it('mp4: H.264 High profile, yuv420p, even size, faststart (moov before mdat), no audio, 2.9 s', async () => {
    const out = await encodeBoomerang(frames, { format: 'mp4', fps: 10 });
    const p = tmp.path('check.mp4');
    writeFileSync(p, out.data);
    const info = await probeVideo(p, { ...LIMITS, minFrames: 1 });
    expect(info).toMatchObject({
      codec: 'h264',
      pixelFormat: 'yuv420p',
      hasAudio: false,
      frameCount: 29,
      fps: 10,
    });
    expect(info.width % 2).toBe(0);
    expect(info.height % 2).toBe(0);
    expect(info.durationSec).toBeCloseTo(2.9, 2);
    const moov = out.data.indexOf('moov');
    const mdat = out.data.indexOf('mdat');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
    // avcC profile_idc byte: 100 = High.
    const avcC = out.data.indexOf('avcC');
    expect(out.data[avcC + 5]).toBe(100);
  });

  it('webp: animated, loops forever, 29 frames of 100 ms', async () => {
    const out = await encodeBoomerang(frames, { format: 'webp', fps: 10 });
    expect(out.mimeType).toBe('image/webp');
    const webp = inspectAnimatedWebp(out.data);
    expect(webp).toMatchObject({ width: out.width, height: out.height, loopCount: 0, frames: 29 });
    expect(webp.durations.every((d) => d === 100)).toBe(true);
  });

  it('gif: loops forever, decodes to the boomerang order', async () => {
    const out = await encodeBoomerang(frames, { format: 'gif', fps: 10 });
    expect(out.mimeType).toBe('image/gif');
    expect(out.data.toString('ascii', 0, 6)).toBe('GIF89a');
    // NETSCAPE2.0 application extension with loop count 0 = forever.
    const ns = out.data.indexOf('NETSCAPE2.0');
    expect(ns).toBeGreaterThan(0);
    expect(out.data.readUInt16LE(ns + 13)).toBe(0);
    const decoded = await decodeAll(out.data, 'gif');
    expect(decoded).toHaveLength(29);
    expect(decoded.map(frameIndexFromRgb)).toEqual(boomerangOrder(15).map((i) => want[i]));
  });

  it('refuses an empty frame list', async () => {
    await expect(encodeBoomerang([], { format: 'mp4', fps: 10 })).rejects.toThrow(RangeError);
  });
});

describe('BoomerangEncoder (frames streamed as they decode)', () => {
  const expected = (): number[] => boomerangOrder(15).map((i) => want[i]);

  it('takes frames in any order and writes the same boomerang as encodeBoomerang', async () => {
    const encoder = new BoomerangEncoder(15, { format: 'mp4', fps: 10 });
    // Out of order and with repeats: the forward run is written as it becomes contiguous.
    for (const i of [1, 0, 2, 5, 3, 4, 4, ...Array.from({ length: 9 }, (_, k) => k + 6)])
      encoder.add(i, frames[i]);
    const out = await encoder.finish(frames);
    expect(out).toMatchObject({ width: 136, height: 240, frames: 29, durationSec: 2.9 });
    const decoded = await decodeAll(out.data, 'mp4');
    expect(decoded.map(frameIndexFromRgb)).toEqual(expected());
  });

  it('encodes again from the final frames when a streamed one was replaced (a decode that started over)', async () => {
    const encoder = new BoomerangEncoder(15, { format: 'webp', fps: 10 });
    // The first attempt delivered the wrong picture for position 0.
    encoder.add(0, frames[7]);
    for (let i = 1; i < 15; i++) encoder.add(i, frames[i]);
    const out = await encoder.finish(frames);
    const decoded = await decodeAll(out.data, 'webp');
    expect(decoded.map(frameIndexFromRgb)).toEqual(expected());
  });

  it('refuses frames of different sizes; discard frees the encoder', async () => {
    const encoder = new BoomerangEncoder(2, { format: 'gif', fps: 10 });
    encoder.add(0, frames[0]);
    const odd = { ...frames[1], width: frames[1].width - 2 };
    await expect(encoder.finish([frames[0], odd])).rejects.toThrow(/differ in size/);
    await encoder.discard();
  });
});

describe("StillEncoder (a photo's cover)", () => {
  it('writes one upright picture as JPEG, still WebP or GIF, which decodes to the same size', async () => {
    const frame = frames[0]!;
    for (const format of ['jpeg', 'webp', 'gif'] as const) {
      const still = await new StillEncoder(format).finish([frame]);
      expect(still).toMatchObject({ frames: 1, fps: 0, durationSec: 0, mimeType: `image/${format}` });
      const [decoded] = await decodeAll(still.data, format === 'jpeg' ? 'jpg' : format);
      expect(decoded).toBeDefined();
      expect([decoded!.width, decoded!.height]).toEqual([still.width, still.height]);
      // Portrait, as the clip is shown (and its red marker still top-left).
      expect(still.height).toBeGreaterThan(still.width);
      expect(hasRedMarkerTopLeft(decoded!)).toBe(true);
    }
    const webp = await new StillEncoder('webp').finish([frame]);
    expect(webp.data.includes(Buffer.from('ANIM'))).toBe(false);
  });

  it('gives a JPEG for the default mp4 format, the still kind of the others', () => {
    expect(['mp4', 'webp', 'gif'].map((f) => stillFormatFor(f as 'mp4'))).toEqual(['jpeg', 'webp', 'gif']);
  });

  it('takes exactly one frame', async () => {
    await expect(new StillEncoder('jpeg').finish(frames.slice(0, 2))).rejects.toThrow(RangeError);
  });
});
