/**
 * Clips animated from a still image with node-av only (no system ffmpeg): a crop
 * of a photo, gently zooming, with optional sensor-like grain, like a short selfie
 * clip. {@link SAMPLE_FACES} names faces in a photo a dependency ships.
 */
import '../../src/polyfills.js';

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { decodeFrames } from '../../src/media/decode.js';
import { probeVideo } from '../../src/media/probe.js';
import type { RgbFrame } from '../../src/media/types.js';
import { VideoWriter } from '../../src/media/writer.js';

/**
 * Faces in a photo that ships with a dependency (no data copied into the repo):
 * crops in image pixels, for {@link makeClipFromImage}.
 */
export const SAMPLE_FACES = {
  image: 'node_modules/@vladmandic/face-api/demo/sample1.jpg',
  /** Neutral-looking face, dark lipstick, left of the picture. */
  left: { x: 340, y: 220, width: 400, height: 400 },
  /** Broad smile (happy), right of the picture. */
  smiling: { x: 1340, y: 110, width: 440, height: 440 },
  /** Head tilted, middle of the picture. */
  middle: { x: 760, y: 300, width: 400, height: 400 },
} as const;

export interface ImageClipOptions {
  /** Region of the image to animate, in image pixels. */
  crop: { x: number; y: number; width: number; height: number };
  /** Output frame size (a number: square). */
  size: number | { width: number; height: number };
  seconds: number;
  fps: number;
  /** Zoom reached at the end (0.08 = 8 % closer); the picture zooms in gently. */
  zoom?: number;
  /**
   * Amplitude of per-frame random noise added to every pixel (0 = none), like a phone
   * sensor's: it keeps the encoder from compressing the clip far below a real phone's bit rate.
   */
  grain?: number;
}

/** Bilinear sample of an RGB frame into `out` (w x h) from the source rectangle. */
function resampleInto(
  src: RgbFrame,
  sx: number,
  sy: number,
  sw: number,
  sh: number,
  out: Buffer,
  w: number,
  h: number,
): void {
  for (let y = 0; y < h; y++) {
    const fy = Math.min(src.height - 1.001, Math.max(0, sy + ((y + 0.5) * sh) / h - 0.5));
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(src.width - 1.001, Math.max(0, sx + ((x + 0.5) * sw) / w - 0.5));
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const a = (y0 * src.width + x0) * 3;
      const b = a + 3;
      const c = a + src.width * 3;
      const d = c + 3;
      for (let k = 0; k < 3; k++) {
        const top = src.data[a + k] * (1 - tx) + src.data[b + k] * tx;
        const bot = src.data[c + k] * (1 - tx) + src.data[d + k] * tx;
        out[(y * w + x) * 3 + k] = Math.round(top * (1 - ty) + bot * ty);
      }
    }
  }
}

/** Adds uniform noise in [-amplitude, amplitude] to every byte (xorshift, seeded per frame). */
function addGrain(rgb: Buffer, amplitude: number, seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  const span = 2 * amplitude + 1;
  for (let k = 0; k < rgb.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = rgb[k]! + (((x >>> 0) % span) - amplitude);
    rgb[k] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

/**
 * Animates a region of a still image (e.g. a face in
 * `node_modules/@vladmandic/human/assets/samples.jpg`) into an H.264 MP4 with a
 * gentle zoom towards the region's centre, like a short selfie clip.
 */
export async function makeClipFromImage(
  imagePath: string,
  outPath: string,
  o: ImageClipOptions,
): Promise<void> {
  mkdirSync(dirname(outPath), { recursive: true });
  const info = await probeVideo(imagePath, { maxPixels: 100e6, maxSeconds: 1e9, minFrames: 1 });
  const [[still]] = await decodeFrames(imagePath, info, [{ indices: [0], maxSide: 0, crop: o.crop }], {
    minFrames: 1,
  });
  const w = typeof o.size === 'number' ? o.size : o.size.width;
  const h = typeof o.size === 'number' ? o.size : o.size.height;
  const frames = Math.round(o.seconds * o.fps);
  const zoom = o.zoom ?? 0.08;
  const writer = await VideoWriter.open({
    path: outPath,
    format: 'mp4',
    encoder: 'libx264',
    width: w,
    height: h,
    fps: o.fps,
    pixelFormat: 'yuv420p',
    filter: 'scale=out_color_matrix=bt601:out_range=tv,format=yuv420p',
    codecOptions: { preset: 'veryfast', crf: 18, profile: 'high' },
  });
  try {
    const rgb = Buffer.alloc(w * h * 3);
    for (let i = 0; i < frames; i++) {
      const z = 1 + (zoom * i) / Math.max(1, frames - 1);
      const sw = still.width / z;
      const sh = still.height / z;
      resampleInto(still, (still.width - sw) / 2, (still.height - sh) / 2, sw, sh, rgb, w, h);
      if (o.grain) addGrain(rgb, o.grain, i + 1);
      await writer.writePixels(rgb, w, h);
    }
    await writer.finish();
  } finally {
    await writer.close();
  }
}
