/**
 * Synthetic test-pattern clips made with node-av only (no system ffmpeg): every
 * frame carries its index in a code band that {@link frameIndexFromRgb} reads back
 * from any upright decode (downscaled too), plus a red marker that catches
 * mirrored, wrongly rotated or channel-swapped output.
 */
import '../../src/polyfills.js';

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { AV_PIX_FMT_YUV420P } from 'node-av/constants';

import type { RgbFrame } from '../../src/media/types.js';
import { VideoWriter } from '../../src/media/writer.js';

export type TestCodec = 'h264' | 'hevc' | 'vp8' | 'vp9' | 'mpeg4';
export type TestContainer = 'mp4' | 'mov' | 'webm' | 'mkv';

export interface TestClipOptions {
  /** Coded frame size (what the encoder writes; a phone's sensor orientation). */
  width: number;
  height: number;
  fps: number;
  seconds: number;
  codec: TestCodec;
  /** Default: webm for vp8/vp9, mp4 otherwise. */
  container?: TestContainer;
  /**
   * Clockwise display rotation stored as display-matrix metadata. The picture is
   * drawn so that it looks upright once a player applies this rotation, like a
   * phone's portrait clip (coded 1920x1080, rotation 90, shown 1080x1920).
   */
  rotation?: 0 | 90 | 180 | 270;
  /** Encoder input pixel format (default yuv420p), e.g. yuv420p10le, yuv422p. */
  pixelFormat?: string;
  /** Target bit rate in bit/s (default: about 0.2 bit per pixel per frame). */
  bitRate?: number;
  /** Keyframe interval in frames (default 2 s worth). */
  gop?: number;
  /** Maximum consecutive B-frames (encoder default when omitted). */
  maxBFrames?: number;
  /** x264/x265 preset (default veryfast). */
  preset?: string;
  /** H.264 profile for libx264 (e.g. high, main). */
  profile?: string;
  /** libx264 only: open GOPs (leading B-frames reference the previous group). */
  openGop?: boolean;
  /** Fresh per-frame grain amplitude (0-20, default 3): makes the encoder spend bits like a camera's noise. */
  grain?: number;
}

/** The code band: 12 cells across the top sixth of the upright picture. */
const CELLS = 12;
const DATA_BITS = 10; // cells 1..10: up to 1023 frames; cell 0 is white, cell 11 black (orientation check)
const BAND = 1 / 6;

const ENCODERS: Record<TestCodec, string> = {
  h264: 'libx264',
  hevc: 'libx265',
  vp8: 'libvpx',
  vp9: 'libvpx-vp9',
  mpeg4: 'mpeg4',
};

const MUXERS: Record<TestContainer, string> = { mp4: 'mp4', mov: 'mov', webm: 'webm', mkv: 'matroska' };

/** A tileable 256x256 low-frequency texture, so the picture has detail to code and track. */
function makeTexture(seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const tex = new Float32Array(256 * 256);
  for (const [cells, amp] of [
    [8, 60],
    [32, 30],
    [128, 12],
  ] as const) {
    const grid = new Float32Array(cells * cells).map(() => rnd() * amp);
    const step = 256 / cells;
    for (let y = 0; y < 256; y++) {
      const gy = y / step;
      const y0 = Math.floor(gy) % cells;
      const y1 = (y0 + 1) % cells;
      const fy = gy - Math.floor(gy);
      for (let x = 0; x < 256; x++) {
        const gx = x / step;
        const x0 = Math.floor(gx) % cells;
        const x1 = (x0 + 1) % cells;
        const fx = gx - Math.floor(gx);
        const top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x1] * fx;
        const bot = grid[y1 * cells + x0] * (1 - fx) + grid[y1 * cells + x1] * fx;
        tex[y * 256 + x] += top * (1 - fy) + bot * fy;
      }
    }
  }
  return Uint8Array.from(tex, (v) => Math.min(255, Math.max(0, Math.round(v))));
}

/** Display coordinates of coded pixel (cx, cy) for a clockwise display rotation. */
function toDisplay(cx: number, cy: number, w: number, h: number, rotation: number): [number, number] {
  switch (rotation) {
    case 90:
      return [h - 1 - cy, cx];
    case 180:
      return [w - 1 - cx, h - 1 - cy];
    case 270:
      return [cy, w - 1 - cx];
    default:
      return [cx, cy];
  }
}

/**
 * Draws frame `index` as a packed yuv420p buffer of the coded size. The
 * upright scene: a code band (top sixth, 12 flat cells: white, 10 bits of the
 * index MSB first, black), a pure red block under the band's left end, and a
 * textured background that drifts every frame, plus fresh grain.
 */
export function drawTestFrame(
  index: number,
  w: number,
  h: number,
  rotation: number,
  tex: Uint8Array,
  grain = 3,
): Buffer {
  const swap = rotation === 90 || rotation === 270;
  const dw = swap ? h : w;
  const dh = swap ? w : h;
  const bandH = Math.round(dh * BAND);
  const cellW = dw / CELLS;
  const redW = Math.round(dw / 6);
  const redH = Math.round(dh / 8);
  const ox = index * 3;
  const oy = index * 2;
  const cw = w >> 1;
  const ch = h >> 1;
  const buf = Buffer.alloc(w * h + 2 * cw * ch);
  let s = (index * 2654435761) >>> 0 || 1;

  const cellLuma = (dx: number): number => {
    const cell = Math.min(CELLS - 1, Math.floor(dx / cellW));
    if (cell === 0) return 235;
    if (cell === CELLS - 1) return 16;
    const bit = (index >> (DATA_BITS - cell)) & 1;
    return bit ? 235 : 16;
  };

  for (let cy = 0; cy < h; cy++) {
    const row = cy * w;
    for (let cx = 0; cx < w; cx++) {
      const [dx, dy] = toDisplay(cx, cy, w, h, rotation);
      let y: number;
      if (dy < bandH) y = cellLuma(dx);
      else if (dx < redW && dy < bandH + redH) y = 81;
      else {
        y = (40 + tex[((dy + oy) & 255) * 256 + ((dx + ox) & 255)] + (dx * 60) / dw) | 0;
        if (grain > 0) {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          y += ((s >>> 0) % (2 * grain + 1)) - grain;
        }
        y = y < 16 ? 16 : y > 235 ? 235 : y;
      }
      buf[row + cx] = y;
    }
  }
  const uOff = w * h;
  const vOff = uOff + cw * ch;
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const [dx, dy] = toDisplay(cx * 2, cy * 2, w, h, rotation);
      let u = 128;
      let v = 128;
      if (dy >= bandH) {
        if (dx < redW && dy < bandH + redH) {
          u = 90;
          v = 240;
        } else {
          u = (100 + (dx * 56) / dw) | 0;
          v = (150 - (dy * 40) / dh) | 0;
        }
      }
      buf[uOff + cy * cw + cx] = u;
      buf[vOff + cy * cw + cx] = v;
    }
  }
  return buf;
}

/**
 * Writes a synthetic clip of `seconds * fps` frames whose index is readable with
 * {@link frameIndexFromRgb} from any upright decode of it (downscaled too).
 *
 * @example
 * ```ts
 * await makeTestClip('/tmp/portrait.mp4', { width: 640, height: 360, fps: 30, seconds: 1, codec: 'h264', rotation: 90 });
 * ```
 */
export async function makeTestClip(outPath: string, o: TestClipOptions): Promise<void> {
  if (o.width % 2 || o.height % 2) throw new Error('makeTestClip: even sizes only');
  mkdirSync(dirname(outPath), { recursive: true });
  const container = o.container ?? (o.codec === 'vp8' || o.codec === 'vp9' ? 'webm' : 'mp4');
  const frames = Math.round(o.seconds * o.fps);
  const pixelFormat = o.pixelFormat ?? 'yuv420p';
  const codecOptions: Record<string, string | number> = {};
  switch (o.codec) {
    case 'h264':
      codecOptions.preset = o.preset ?? 'veryfast';
      if (o.profile) codecOptions.profile = o.profile;
      if (o.openGop) codecOptions['x264-params'] = 'open-gop=1';
      break;
    case 'hevc':
      codecOptions.preset = o.preset ?? 'veryfast';
      codecOptions['x265-params'] = 'log-level=error';
      break;
    case 'vp8':
    case 'vp9':
      codecOptions.deadline = 'realtime';
      codecOptions['cpu-used'] = 8;
      if (o.codec === 'vp9') codecOptions['row-mt'] = 1;
      break;
    case 'mpeg4':
      break;
  }
  const writer = await VideoWriter.open({
    path: outPath,
    format: MUXERS[container],
    encoder: ENCODERS[o.codec],
    width: o.width,
    height: o.height,
    fps: o.fps,
    pixelFormat,
    bitRate: o.bitRate ?? Math.round(o.width * o.height * o.fps * 0.2),
    gopSize: o.gop ?? Math.round(o.fps * 2),
    ...(o.maxBFrames !== undefined ? { maxBFrames: o.maxBFrames } : {}),
    codecOptions,
    rotation: o.rotation ?? 0,
  });
  try {
    const tex = makeTexture(12345);
    for (let i = 0; i < frames; i++) {
      const yuv = drawTestFrame(i, o.width, o.height, o.rotation ?? 0, tex, o.grain ?? 3);
      await writer.writePixels(yuv, o.width, o.height, AV_PIX_FMT_YUV420P);
    }
    await writer.finish();
  } finally {
    await writer.close();
  }
}

/** Mean of R, G, B over a (2r+1)^2 patch. */
function patchLuma(f: RgbFrame, x: number, y: number, r: number): number {
  let sum = 0;
  let n = 0;
  for (let yy = Math.max(0, y - r); yy <= Math.min(f.height - 1, y + r); yy++) {
    for (let xx = Math.max(0, x - r); xx <= Math.min(f.width - 1, x + r); xx++) {
      const o = (yy * f.width + xx) * 3;
      sum += f.data[o] + f.data[o + 1] + f.data[o + 2];
      n += 3;
    }
  }
  return sum / n;
}

/**
 * Reads the frame index drawn by {@link makeTestClip} from an upright RGB frame
 * of any size. Returns -1 when the code band is not where an upright picture
 * has it (wrong rotation, cropped away).
 */
export function frameIndexFromRgb(frame: RgbFrame): number {
  const y = Math.floor(frame.height * BAND * 0.5);
  const cellW = frame.width / CELLS;
  const r = Math.max(0, Math.min(3, Math.floor(Math.min(cellW, frame.height * BAND) / 6)));
  const bits: number[] = [];
  for (let c = 0; c < CELLS; c++)
    bits.push(patchLuma(frame, Math.floor((c + 0.5) * cellW), y, r) > 128 ? 1 : 0);
  if (bits[0] !== 1 || bits[CELLS - 1] !== 0) return -1;
  let v = 0;
  for (let c = 1; c <= DATA_BITS; c++) v = (v << 1) | bits[c];
  return v;
}

/**
 * True when the red block of the test picture sits at the upright picture's
 * left, just under the band: catches mirrored or wrongly rotated output, and
 * swapped colour channels.
 */
export function hasRedMarkerTopLeft(frame: RgbFrame): boolean {
  const x = Math.floor(frame.width / 12);
  const y = Math.floor(frame.height * (BAND + 1 / 16));
  const o = (y * frame.width + x) * 3;
  return frame.data[o] > 150 && frame.data[o + 1] < 100 && frame.data[o + 2] < 100;
}
