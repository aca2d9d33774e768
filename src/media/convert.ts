/**
 * Turning a decoded frame into the upright RGB24 picture a request wants, inside
 * FFmpeg: pure filter-graph builders (tested with string asserts) and the
 * per-request converter. Internal to src/media.
 */
import { FilterAPI } from 'node-av/api';
import type { Frame } from 'node-av/lib';

import { AppError } from '../errors.js';
import type { RgbFrame, VideoInfo } from './types.js';

/** A rectangle in display (upright, rotation applied) pixel coordinates of the source. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What a conversion needs of a request. */
export interface ConversionRequest {
  /** Long side of the output in pixels (aspect kept, never upscaled, even dimensions); 0 keeps the source size. */
  maxSide: number;
  /** Optional crop, in display coordinates of the source, applied before scaling. */
  crop?: CropRect;
}

export interface Converter {
  filter: FilterAPI;
  /** Source frame geometry the graph was built for. */
  key: string;
}

/** Output size for a crop of `w`x`h` display pixels and a long side of `maxSide` (0 = keep). */
export function outputSize(w: number, h: number, maxSide: number): { width: number; height: number } {
  const scale = maxSide > 0 && Math.max(w, h) > maxSide ? maxSide / Math.max(w, h) : 1;
  const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));
  return { width: even(w * scale), height: even(h * scale) };
}

/**
 * The filter graph that turns one decoded frame (coded orientation, size
 * `srcW`x`srcH`) into the upright RGB24 picture a request wants. Pure; exported
 * for tests.
 */
export function conversionFilter(
  srcW: number,
  srcH: number,
  rotation: number,
  request: ConversionRequest,
  pixelAspect = 1,
): { description: string; width: number; height: number } {
  const swap = rotation === 90 || rotation === 270;
  // Square-pixel width of the coded picture (non-square pixels stretch it).
  const sqW = Math.max(1, Math.round(srcW * pixelAspect));
  const dispW = swap ? srcH : sqW;
  const dispH = swap ? sqW : srcH;
  const c = clampCrop(request.crop, dispW, dispH);
  const out = outputSize(c.width, c.height, request.maxSide);
  // Crop rectangle in square-pixel coded coordinates: invert the display rotation.
  let qx: number, qy: number, qw: number, qh: number;
  switch (rotation) {
    case 90: // transpose=clock: display(x, y) = source(y, H-1-x)
      [qx, qy, qw, qh] = [c.y, srcH - c.x - c.width, c.height, c.width];
      break;
    case 180:
      [qx, qy, qw, qh] = [sqW - c.x - c.width, srcH - c.y - c.height, c.width, c.height];
      break;
    case 270: // transpose=cclock: display(x, y) = source(W-1-y, x)
      [qx, qy, qw, qh] = [sqW - c.y - c.height, c.x, c.height, c.width];
      break;
    default:
      [qx, qy, qw, qh] = [c.x, c.y, c.width, c.height];
  }
  // Back to coded pixels (only x and width change with the pixel aspect).
  let sx = qx;
  let sw = qw;
  if (sqW !== srcW) {
    sx = Math.min(srcW - 1, Math.round(qx / pixelAspect));
    sw = Math.max(1, Math.min(srcW - sx, Math.round(qw / pixelAspect)));
  }
  const [sy, sh] = [qy, qh];
  const parts: string[] = [];
  if (sx !== 0 || sy !== 0 || sw !== srcW || sh !== srcH) parts.push(`crop=${sw}:${sh}:${sx}:${sy}:exact=1`);
  const scaledW = swap ? out.height : out.width;
  const scaledH = swap ? out.width : out.height;
  // Area averaging when shrinking (no aliasing on faces), bicubic otherwise; the
  // scaler also does the YUV -> RGB conversion in the same pass.
  const flags = scaledW < sw || scaledH < sh ? 'area' : 'bicubic';
  parts.push(`scale=${scaledW}:${scaledH}:flags=${flags}`, 'format=rgb24');
  if (rotation === 90) parts.push('transpose=clock');
  else if (rotation === 270) parts.push('transpose=cclock');
  else if (rotation === 180) parts.push('hflip', 'vflip');
  return { description: parts.join(','), width: out.width, height: out.height };
}

function clampCrop(crop: CropRect | undefined, w: number, h: number): CropRect {
  if (!crop) return { x: 0, y: 0, width: w, height: h };
  const x = Math.min(Math.max(0, Math.round(crop.x)), w - 1);
  const y = Math.min(Math.max(0, Math.round(crop.y)), h - 1);
  const width = Math.max(1, Math.min(Math.round(crop.width), w - x));
  const height = Math.max(1, Math.min(Math.round(crop.height), h - y));
  return { x, y, width, height };
}

export async function convert(
  plan: { request: ConversionRequest; converter?: Converter },
  frame: Frame,
  index: number,
  t: number,
  info: VideoInfo,
): Promise<RgbFrame> {
  const key = `${frame.width}x${frame.height}`;
  if (plan.converter?.key !== key) {
    plan.converter?.filter.close();
    const { description } = conversionFilter(
      frame.width,
      frame.height,
      info.rotation,
      plan.request,
      info.pixelAspect,
    );
    plan.converter = { key, filter: FilterAPI.create(description, { graph: { nbThreads: 1 } }) };
  }
  const outs = await plan.converter.filter.processAll(frame);
  try {
    const out = outs[outs.length - 1];
    if (!out) throw new AppError('decode_failed', `Frame ${index} could not be converted.`);
    return { index, t, width: out.width, height: out.height, data: new Uint8Array(out.toBuffer()) };
  } finally {
    for (const o of outs) o.free();
  }
}
