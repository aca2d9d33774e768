import '../../src/polyfills.js';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';

import { AppError } from '../../src/errors.js';
import { BACKGROUND_NICE } from '../../src/media/decoder.js';
import {
  conversionFilter,
  decodeFrames,
  evenlySpacedIndices,
  outputSize,
  probeVideo,
} from '../../src/media/index.js';
import type { DecodeStats, VideoInfo } from '../../src/media/index.js';
import { frameIndexFromRgb, hasRedMarkerTopLeft, makeTestClip } from '../helpers/clips.js';
import { LIMITS, tempDir } from './fixtures.js';

const tmp = tempDir();
const clips = {
  h264: tmp.path('h264.mp4'),
  portrait: tmp.path('portrait.mp4'),
  portrait270: tmp.path('portrait270.mov'),
  upside: tmp.path('upside.mp4'),
  vp9: tmp.path('vp9.webm'),
  vp8: tmp.path('vp8.webm'),
  hevc: tmp.path('hevc.mp4'),
  mkv: tmp.path('h264.mkv'),
  mpeg4: tmp.path('mpeg4.mp4'),
  hevc10: tmp.path('hevc10.mov'),
};

beforeAll(async () => {
  await makeTestClip(clips.h264, {
    width: 320,
    height: 180,
    fps: 30,
    seconds: 2,
    codec: 'h264',
    profile: 'high',
  });
  await makeTestClip(clips.portrait, {
    width: 320,
    height: 180,
    fps: 30,
    seconds: 1,
    codec: 'h264',
    rotation: 90,
  });
  await makeTestClip(clips.portrait270, {
    width: 320,
    height: 180,
    fps: 30,
    seconds: 1,
    codec: 'h264',
    container: 'mov',
    rotation: 270,
  });
  await makeTestClip(clips.upside, {
    width: 320,
    height: 180,
    fps: 30,
    seconds: 1,
    codec: 'h264',
    rotation: 180,
  });
  await makeTestClip(clips.vp9, { width: 320, height: 180, fps: 30, seconds: 1, codec: 'vp9' });
  await makeTestClip(clips.vp8, { width: 320, height: 180, fps: 30, seconds: 1, codec: 'vp8' });
  await makeTestClip(clips.hevc, { width: 320, height: 180, fps: 30, seconds: 1, codec: 'hevc' });
  await makeTestClip(clips.mkv, {
    width: 320,
    height: 180,
    fps: 25,
    seconds: 1,
    codec: 'h264',
    container: 'mkv',
  });
  await makeTestClip(clips.mpeg4, { width: 320, height: 180, fps: 30, seconds: 1, codec: 'mpeg4' });
  // Like an iPhone HDR clip: HEVC Main 10 in MOV, portrait.
  await makeTestClip(clips.hevc10, {
    width: 320,
    height: 180,
    fps: 30,
    seconds: 1,
    codec: 'hevc',
    container: 'mov',
    pixelFormat: 'yuv420p10le',
    rotation: 90,
  });
}, 120_000);
afterAll(() => tmp.cleanup());

const probe = (p: string): Promise<VideoInfo> => probeVideo(p, LIMITS);

const gop10Clips = new Map<boolean, Promise<string>>();
/** A 3 s 320x180 H.264 clip with a keyframe every 10 frames, closed or open groups (made once each). */
function gop10Clip(openGop: boolean): Promise<string> {
  let made = gop10Clips.get(openGop);
  if (!made) {
    const path = tmp.path(`gop10-${openGop}.mp4`);
    made = makeTestClip(path, {
      width: 320,
      height: 180,
      fps: 30,
      seconds: 3,
      codec: 'h264',
      gop: 10,
      openGop,
    }).then(() => path);
    gop10Clips.set(openGop, made);
  }
  return made;
}

describe('decodeFrames', () => {
  it('returns the requested frames, in the requested order, for several consumers in one pass', async () => {
    const info = await probe(clips.h264);
    expect(info.frameCount).toBe(60);
    const even = evenlySpacedIndices(60, 15);
    const odd = [59, 3, 3, 40];
    const [a, b, c] = await decodeFrames(clips.h264, info, [
      { indices: even, maxSide: 256 },
      { indices: odd, maxSide: 0 },
      { indices: even, maxSide: 100 },
    ]);
    expect(a.map(frameIndexFromRgb)).toEqual(even);
    expect(a.map((f) => f.index)).toEqual(even);
    expect(a.every((f) => f.width === 256 && f.height === 144 && f.data.length === 256 * 144 * 3)).toBe(true);
    expect(b.map(frameIndexFromRgb)).toEqual(odd);
    expect(b[0]).toMatchObject({ width: 320, height: 180 });
    expect(c.map(frameIndexFromRgb)).toEqual(even);
    expect(c[0]).toMatchObject({ width: 100, height: 56 });
    expect(a[0].t).toBe(0);
    expect(a[14].t).toBeCloseTo(59 / 30, 3);
    expect(a.every((f) => hasRedMarkerTopLeft(f))).toBe(true);
  });

  it.each(['h264', 'hevc'] as const)(
    'leaves unwanted non-reference %s frames undecoded, and the kept frames are bit-exact',
    async (name) => {
      const path = clips[name];
      const info = await probe(path);
      const want = [0, 1, 2, 7, 13, 14, 15, 16, 22, info.frameCount - 1];
      const skipStats = {} as DecodeStats;
      const fullStats = {} as DecodeStats;
      const [skipped] = await decodeFrames(path, info, [{ indices: want, maxSide: 0 }], { stats: skipStats });
      const [full] = await decodeFrames(path, info, [{ indices: want, maxSide: 0 }], {
        skipNonReference: false,
        stats: fullStats,
      });
      expect(skipStats.skippedNonReference).toBe(true);
      expect(fullStats.skippedNonReference).toBe(false);
      expect(fullStats.framesDecoded).toBe(info.frameCount);
      // x264/x265 defaults put non-reference B-frames in every mini-GOP.
      expect(skipStats.framesDecoded).toBeLessThan(info.frameCount);
      expect(skipped.map(frameIndexFromRgb)).toEqual(want);
      for (let i = 0; i < want.length; i++) {
        expect(skipped[i].index).toBe(full[i].index);
        expect(Buffer.compare(Buffer.from(skipped[i].data), Buffer.from(full[i].data))).toBe(0);
      }
    },
  );

  it.each([false, true])(
    'decodes only the groups of pictures around a window of wanted frames (open GOP %s), bit-exact',
    async (openGop) => {
      const path = await gop10Clip(openGop);
      const info = await probe(path);
      const want = [...Array(16).keys()].map((i) => 58 + i);
      const skipStats = {} as DecodeStats;
      const [windowed] = await decodeFrames(path, info, [{ indices: want, maxSide: 0 }], {
        minFrames: 1,
        stats: skipStats,
      });
      const [full] = await decodeFrames(path, info, [{ indices: want, maxSide: 0 }], {
        minFrames: 1,
        skipNonReference: false,
      });
      expect(windowed.map(frameIndexFromRgb)).toEqual(want);
      expect(skipStats.skippedNonReference).toBe(true);
      // Frames 0..~50 are in groups that are never sent to the decoder.
      expect(skipStats.framesDecoded).toBeLessThan(40);
      for (let i = 0; i < want.length; i++) {
        expect(Buffer.compare(Buffer.from(windowed[i].data), Buffer.from(full[i].data))).toBe(0);
      }
    },
  );

  it.each([false, true])(
    'decodes the first-wanted frame before the others when its group is closed (open GOP %s), bit-exact',
    async (openGop) => {
      const path = await gop10Clip(openGop);
      const info = await probe(path);
      const want = evenlySpacedIndices(info.frameCount, 15);
      const first = want[7];
      const arrivals: number[] = [];
      const ledStats = {} as DecodeStats;
      const [led] = await decodeFrames(
        path,
        info,
        [{ indices: want, maxSide: 0, onFrame: (i) => arrivals.push(i) }],
        { minFrames: 1, stats: ledStats, first },
      );
      const [plain] = await decodeFrames(path, info, [{ indices: want, maxSide: 0 }], { minFrames: 1 });
      expect(led.map(frameIndexFromRgb)).toEqual(want);
      for (let i = 0; i < want.length; i++)
        expect(Buffer.compare(Buffer.from(led[i].data), Buffer.from(plain[i].data))).toBe(0);
      // A closed group (IDR) is decoded first, up to the frame; an open one is left in its place.
      expect(ledStats.ledWithFirst).toBe(!openGop);
      if (openGop) expect(arrivals).toEqual(want);
      else {
        const group = Math.floor(first / 10) * 10;
        const early = want.filter((i) => i >= group && i <= first);
        expect(arrivals.slice(0, early.length)).toEqual(early);
        expect([...arrivals].sort((a, b) => a - b)).toEqual(want);
      }
    },
  );

  it("background: the decoder's own threads run at a lower priority while it decodes, nothing else does", async () => {
    const info = await probe(clips.h264);
    const seen: number[] = [];
    const ffmpegThreads = (): number[] =>
      readdirSync('/proc/self/task')
        .filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('av:'))
        .map((t) => getPriority(Number(t)));
    const [frames] = await decodeFrames(
      clips.h264,
      info,
      [{ indices: [5, 30, 55], maxSide: 0, onFrame: () => seen.push(...ffmpegThreads()) }],
      { minFrames: 1, threads: 2, background: true },
    );
    expect(frames.map(frameIndexFromRgb)).toEqual([5, 30, 55]);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([BACKGROUND_NICE]));
    expect(getPriority(process.pid)).toBe(0);
  });

  it('serves a stream request during the pass only: kept frames to onFrame, a late crop, frames held until it settles', async () => {
    const info = await probe(clips.h264);
    const crop = { x: 0, y: 0, width: 160, height: 60 };
    const [reference] = await decodeFrames(clips.h264, info, [{ indices: [2, 5, 9], maxSide: 0, crop }]);
    const seen = new Map<number, Uint8Array>();
    let settle: (c: typeof crop) => void = () => undefined;
    const late = new Promise<typeof crop>((resolve) => (settle = resolve));
    const out = await decodeFrames(clips.h264, info, [
      {
        indices: [0, 9],
        maxSide: 0,
        // The crop settles once frame 0 has been served to the first request.
        onFrame: (i) => (i === 0 ? setTimeout(() => settle(crop), 20) : undefined),
      },
      {
        indices: [2, 4, 5, 9],
        maxSide: 0,
        stream: { keep: (i) => i !== 4, crop: late },
        onFrame: (i, f) => seen.set(i, f.data),
      },
    ]);
    expect(out[0].map((f) => f.index)).toEqual([0, 9]);
    expect(out[1]).toEqual([]);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([2, 5, 9]);
    reference.forEach((f) => expect(Buffer.compare(seen.get(f.index)!, f.data)).toBe(0));
  });

  it('turns a rotation-90 portrait clip upright', async () => {
    const info = await probe(clips.portrait);
    const [frames] = await decodeFrames(clips.portrait, info, [{ indices: [0, 15, 29], maxSide: 160 }]);
    for (const f of frames) {
      expect(f.width).toBeLessThan(f.height);
      expect([f.width, f.height]).toEqual([90, 160]);
      expect(hasRedMarkerTopLeft(f)).toBe(true);
    }
    expect(frames.map(frameIndexFromRgb)).toEqual([0, 15, 29]);
  });

  it('turns rotation-270 (mov) and rotation-180 clips upright', async () => {
    for (const [path, w, h] of [
      [clips.portrait270, 180, 320],
      [clips.upside, 320, 180],
    ] as const) {
      const info = await probe(path);
      const [frames] = await decodeFrames(path, info, [{ indices: [2, 20], maxSide: 0 }]);
      expect(frames.map((f) => [f.width, f.height])).toEqual([
        [w, h],
        [w, h],
      ]);
      expect(frames.map(frameIndexFromRgb)).toEqual([2, 20]);
      expect(frames.every(hasRedMarkerTopLeft)).toBe(true);
    }
  });

  it.each([
    ['vp9', 'vp9'],
    ['vp8', 'vp8'],
    ['hevc', 'hevc'],
    ['mkv', 'h264'],
    ['mpeg4', 'mpeg4'],
    ['hevc10', 'hevc'],
  ] as const)('decodes %s input', async (name, codec) => {
    const info = await probe(clips[name]);
    expect(info.codec).toBe(codec);
    expect(info.frameCount).toBeGreaterThanOrEqual(24);
    const want = evenlySpacedIndices(info.frameCount, 15);
    const [frames] = await decodeFrames(clips[name], info, [{ indices: want, maxSide: 256 }]);
    expect(frames.map(frameIndexFromRgb)).toEqual(want);
    expect(frames.every(hasRedMarkerTopLeft)).toBe(true);
  });

  it('crops in display coordinates, also on a rotated clip', async () => {
    // Upright portrait is 180x320; the top-left 180x60 holds the code band (top sixth = 53 px).
    const info = await probe(clips.portrait);
    const [[full], [band]] = await decodeFrames(clips.portrait, info, [
      { indices: [7], maxSide: 0 },
      { indices: [7], maxSide: 0, crop: { x: 0, y: 0, width: 180, height: 106 } },
    ]);
    expect([band.width, band.height]).toEqual([180, 106]);
    // The crop is the same pixels as the top of the full frame.
    let diff = 0;
    for (let y = 0; y < 106; y++) {
      for (let x = 0; x < 180 * 3; x++)
        diff += Math.abs(band.data[y * 180 * 3 + x] - full.data[y * 180 * 3 + x]);
    }
    expect(diff / (180 * 106 * 3)).toBeLessThan(3);
    // The band (53 px) fills the top half of the crop, where frameIndexFromRgb looks.
    expect(frameIndexFromRgb(band)).toBe(7);
  });

  it('decodes a still image as a one-frame video', async () => {
    const jpg = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
    const info = await probeVideo(jpg, { ...LIMITS, minFrames: 1 });
    const [[img], [small]] = await decodeFrames(jpg, info, [
      { indices: [0], maxSide: 0 },
      { indices: [0], maxSide: 200 },
    ]);
    expect([img.width, img.height]).toEqual([info.width & ~1, info.height & ~1]);
    expect(Math.max(small.width, small.height)).toBe(200);
    expect(img.index).toBe(0);
    // A real photo: not a flat picture.
    const mean = img.data.reduce((s, v) => s + v, 0) / img.data.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(235);
  });

  it.each([
    ['h264', true],
    ['h264', false],
    ['vp9', true],
  ] as const)(
    'maps indices past the real end onto the last frames when the header overestimates (%s, skip %s)',
    async (name, skipNonReference) => {
      const info = await probe(clips[name]);
      const real = info.frameCount;
      // Pretend the header said 2 frames more than there are.
      const fake = { ...info, frameCount: real + 2 };
      const want = evenlySpacedIndices(real + 2, 15);
      const stats = {} as DecodeStats;
      const [frames] = await decodeFrames(clips[name], fake, [{ indices: want, maxSide: 128 }], {
        skipNonReference,
        stats,
      });
      expect(frames).toHaveLength(15);
      const got = frames.map(frameIndexFromRgb);
      const missing = want.filter((i) => i >= real).length;
      expect(missing).toBeGreaterThan(0);
      expect(got.slice(0, 15 - missing)).toEqual(want.slice(0, 15 - missing));
      expect(got.slice(15 - missing)).toEqual([...Array(missing).keys()].map((j) => real - missing + j));
      expect(frames.map((f) => f.index)).toEqual(got);
      expect(stats.passes).toBe(1);
    },
  );

  it("decodeImage: one upright RGB frame from a photo, or a video's first frame", async () => {
    const { decodeImage } = await import('../../src/media/index.js');
    const img = await decodeImage('node_modules/@vladmandic/face-api/demo/sample1.jpg', { maxSide: 256 });
    expect([img.width, img.height]).toEqual([256, 170]);
    expect(img.data.length).toBe(256 * 170 * 3);
    const first = await decodeImage(clips.portrait);
    expect([first.width, first.height]).toEqual([180, 320]);
    expect(frameIndexFromRgb(first)).toBe(0);
    await expect(
      decodeImage('node_modules/@vladmandic/face-api/demo/sample1.jpg', { maxPixels: 1000 }),
    ).rejects.toMatchObject({ code: 'too_many_pixels' });
  });

  it('re-samples when the header overestimates by far', async () => {
    const info = await probe(clips.h264);
    const fake = { ...info, frameCount: 200 };
    const want = evenlySpacedIndices(200, 15);
    const [frames] = await decodeFrames(clips.h264, fake, [{ indices: want, maxSide: 128 }]);
    const got = frames.map(frameIndexFromRgb);
    expect(got).toHaveLength(15);
    expect(got[0]).toBe(0);
    expect(got[14]).toBe(59);
    for (let i = 1; i < 15; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
    expect(frames.map((f) => f.index)).toEqual(got);
  });

  it('fails with too_few_frames when fewer than minFrames decode', async () => {
    const info = await probe(clips.h264);
    const err = await decodeFrames(clips.h264, info, [{ indices: [0], maxSide: 64 }], {
      minFrames: 100,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('too_few_frames');
  });

  it('stops when aborted', async () => {
    const info = await probe(clips.h264);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      decodeFrames(clips.h264, info, [{ indices: [0], maxSide: 64 }], { signal: ac.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('conversion geometry', () => {
  it('keeps aspect, never upscales, makes even sizes', () => {
    expect(outputSize(1920, 1080, 256)).toEqual({ width: 256, height: 144 });
    expect(outputSize(1080, 1920, 480)).toEqual({ width: 270, height: 480 });
    expect(outputSize(320, 180, 480)).toEqual({ width: 320, height: 180 });
    expect(outputSize(333, 177, 0)).toEqual({ width: 334, height: 178 });
  });

  it('maps a display crop back to coded coordinates for each rotation', () => {
    const crop = { x: 10, y: 20, width: 100, height: 50 };
    expect(conversionFilter(1920, 1080, 0, { maxSide: 0, crop }).description).toBe(
      'crop=100:50:10:20:exact=1,scale=100:50:flags=bicubic,format=rgb24',
    );
    // Display is 1080x1920; display (x, y) = coded (y, 1079 - x).
    expect(conversionFilter(1920, 1080, 90, { maxSide: 0, crop }).description).toBe(
      'crop=50:100:20:970:exact=1,scale=50:100:flags=bicubic,format=rgb24,transpose=clock',
    );
    expect(conversionFilter(1920, 1080, 270, { maxSide: 0, crop }).description).toBe(
      'crop=50:100:1850:10:exact=1,scale=50:100:flags=bicubic,format=rgb24,transpose=cclock',
    );
    expect(conversionFilter(1920, 1080, 180, { maxSide: 0, crop }).description).toBe(
      'crop=100:50:1810:1010:exact=1,scale=100:50:flags=bicubic,format=rgb24,hflip,vflip',
    );
    expect(conversionFilter(1920, 1080, 90, { maxSide: 480 })).toEqual({
      description: 'scale=480:270:flags=area,format=rgb24,transpose=clock',
      width: 270,
      height: 480,
    });
  });

  it('shows non-square pixels at their display aspect, crops included', () => {
    // HDV: 1440x1080 coded, 4:3 pixels, shown 1920x1080.
    expect(conversionFilter(1440, 1080, 0, { maxSide: 480 }, 4 / 3)).toEqual({
      description: 'scale=480:270:flags=area,format=rgb24',
      width: 480,
      height: 270,
    });
    // A display-space square crop of 1080 at x=420 is 810 coded pixels wide at x=315.
    expect(
      conversionFilter(
        1440,
        1080,
        0,
        { maxSide: 0, crop: { x: 420, y: 0, width: 1080, height: 1080 } },
        4 / 3,
      ),
    ).toEqual({
      description: 'crop=810:1080:315:0:exact=1,scale=1080:1080:flags=bicubic,format=rgb24',
      width: 1080,
      height: 1080,
    });
    // Rotated and anamorphic: the coded width stretches before the turn.
    expect(conversionFilter(1440, 1080, 90, { maxSide: 480 }, 4 / 3)).toEqual({
      description: 'scale=480:270:flags=area,format=rgb24,transpose=clock',
      width: 270,
      height: 480,
    });
  });
});

describe('damaged and synthetic inputs', () => {
  it('survives a clip with a damaged middle: frames or a clean AppError, never a crash', async () => {
    const { makeCorruptedClip } = await import('../helpers/clips.js');
    const bad = tmp.path('damaged.mp4');
    makeCorruptedClip(clips.h264, bad, 0.5, 8192);
    const info = await probe(bad);
    try {
      const [frames] = await decodeFrames(bad, info, [
        { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 64 },
      ]);
      expect(frames).toHaveLength(15);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
    }
  });

  it('animates a face from a photo into an H.264 clip with a gentle zoom', async () => {
    const { makeClipFromImage, SAMPLE_FACES } = await import('../helpers/clips.js');
    const out = tmp.path('face.mp4');
    await makeClipFromImage(SAMPLE_FACES.image, out, {
      crop: SAMPLE_FACES.smiling,
      size: 192,
      seconds: 1,
      fps: 15,
    });
    const info = await probe(out);
    expect(info).toMatchObject({ codec: 'h264', width: 192, height: 192, frameCount: 15 });
    const [[first, last]] = await decodeFrames(out, info, [{ indices: [0, 14], maxSide: 0 }]);
    let diff = 0;
    for (let i = 0; i < first.data.length; i++) diff += Math.abs(first.data[i] - last.data[i]);
    // Zoomed, so different, but the same picture.
    expect(diff / first.data.length).toBeGreaterThan(1);
    expect(diff / first.data.length).toBeLessThan(40);
  });
});

describe('IDR detection for group-of-pictures skipping', () => {
  it('finds IDR NAL units in length-prefixed and Annex B H.264/HEVC access units', async () => {
    const { startsClosedGop, nalLengthSize } = await import('../../src/media/packet-index.js');
    const avcc = (...nals: number[][]): Buffer =>
      Buffer.concat(nals.map((n) => Buffer.concat([Buffer.from([0, 0, 0, n.length]), Buffer.from(n)])));
    // SEI (6) then IDR slice (5): closed. Non-IDR I slice (1): open.
    expect(startsClosedGop(avcc([0x06, 1, 2], [0x65, 0x88]), 'h264', 4)).toBe(true);
    expect(startsClosedGop(avcc([0x06, 1, 2], [0x41, 0x9a]), 'h264', 4)).toBe(false);
    expect(startsClosedGop(Buffer.from([0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x65, 0x88]), 'h264', 0)).toBe(true);
    // HEVC: IDR_W_RADL (19 << 1 = 0x26) is closed, CRA (21 << 1 = 0x2a) is open.
    expect(startsClosedGop(avcc([0x26, 0x01, 0xaf]), 'hevc', 4)).toBe(true);
    expect(startsClosedGop(avcc([0x2a, 0x01, 0xaf]), 'hevc', 4)).toBe(false);
    // Truncated data is treated as open (the safe answer).
    expect(startsClosedGop(Buffer.from([0, 0, 0, 9, 0x65]), 'h264', 4)).toBe(false);
    const avcC = Buffer.alloc(30);
    avcC[0] = 1;
    avcC[4] = 0xff;
    expect(nalLengthSize(avcC, 'h264')).toBe(4);
    expect(nalLengthSize(null, 'h264')).toBe(0);
  });
});
