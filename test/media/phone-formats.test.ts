import '../../src/polyfills.js';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

import { decodeFrames, evenlySpacedIndices, probeVideo } from '../../src/media/index.js';
import type { RgbFrame } from '../../src/media/types.js';
import { makePhoneCorpus, PHONE_FORMATS } from '../helpers/phone-clips.js';

const LIMITS = { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 };

/** The first frame as Debian's ffmpeg shows it (rotation applied), scaled to w x h, RGB24. */
function ffmpegFirstFrame(path: string, w: number, h: number): Buffer {
  return execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    path,
    '-frames:v',
    '1',
    '-vf',
    `scale=${w}:${h}:flags=area,format=rgb24`,
    '-f',
    'rawvideo',
    'pipe:1',
  ]);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** The same picture turned upside down (what a missed or doubled rotation would look like). */
function rotated180(f: RgbFrame): Uint8Array {
  const out = new Uint8Array(f.data.length);
  const px = f.width * f.height;
  for (let i = 0; i < px; i++) out.set(f.data.subarray(i * 3, i * 3 + 3), (px - 1 - i) * 3);
  return out;
}

describe('real-world formats with sound: probe and decode', () => {
  let corpus: Map<string, string>;
  beforeAll(async () => {
    corpus = await makePhoneCorpus();
  }, 300_000);

  it.each(PHONE_FORMATS.map((f) => [f.id, f] as const))('%s', async (id, format) => {
    const path = corpus.get(id)!;
    const info = await probeVideo(path, LIMITS);
    expect(info.hasAudio || id === 'never').toBe(true);
    expect(info.frameCount).toBeGreaterThanOrEqual(40);
    expect(info.frameCount).toBeLessThanOrEqual(66);
    expect(info.durationSec).toBeGreaterThan(1.8);
    expect(info.displayWidth / info.displayHeight).toBeCloseTo(format.displayAspect, 1);
    // ffmpeg 5.1's rotate tag turns counter-clockwise; VideoInfo.rotation is clockwise.
    expect(info.rotation).toBe(format.rotate ? 360 - format.rotate : 0);

    const stats = { passes: 0, skippedNonReference: false, framesDecoded: 0, frameCount: 0 };
    const [sampled, first] = await decodeFrames(
      path,
      info,
      [
        { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 256 },
        { indices: [0], maxSide: 96 },
      ],
      { stats },
    );
    expect(sampled).toHaveLength(15);
    const indices = sampled.map((f) => f.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(new Set(indices).size).toBeGreaterThanOrEqual(14);
    for (const f of sampled) expect(f.width / f.height).toBeCloseTo(format.displayAspect, 1);

    // Upright and in the right colours: the same picture ffmpeg shows.
    const [f0] = first;
    const reference = ffmpegFirstFrame(path, f0.width, f0.height);
    const diff = meanAbsDiff(f0.data, reference);
    expect(diff).toBeLessThan(6);
    expect(meanAbsDiff(rotated180(f0), reference)).toBeGreaterThan(diff * 3);
  });
});
