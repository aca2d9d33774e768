import type { RgbFrame } from '../media/types.js';

/** A square region of a frame, possibly rotated: what a model sees. */
export interface CropSpec {
  /** Centre in source pixels. */
  cx: number;
  cy: number;
  /** Side of the square in source pixels. */
  size: number;
  /** Rotation (radians) of the crop's x axis in the source image: the face's roll. */
  angle: number;
}

/**
 * Sample a rotated square of `frame` into an `out` x `out` image with bilinear filtering, in
 * plain JS: one pass, no intermediate full-frame tensors, and the same code aligns faces for
 * every model. Pixels outside the frame are black, as tfjs `cropAndResize` does.
 *
 * @param channels 3 gives RGB, 1 gives luma (ITU-R BT.601 weights, as FER2013 greyscale).
 * @param flip mirror the output horizontally (for flip averaging).
 * @returns values in [0, 1], row-major HWC, written into `dst` at `offset`.
 */
export function sampleCrop(
  frame: RgbFrame,
  crop: CropSpec,
  out: number,
  channels: 1 | 3,
  dst: Float32Array,
  offset = 0,
  flip = false,
): void {
  const { width: w, height: h, data } = frame;
  const scale = crop.size / out;
  const cos = Math.cos(crop.angle) * scale;
  const sin = Math.sin(crop.angle) * scale;
  const half = out / 2;
  let o = offset;
  for (let v = 0; v < out; v++) {
    const dy = v + 0.5 - half;
    for (let u = 0; u < out; u++) {
      const dx = (flip ? out - 1 - u : u) + 0.5 - half;
      const sx = crop.cx + cos * dx - sin * dy - 0.5;
      const sy = crop.cy + sin * dx + cos * dy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < 4; k++) {
        const xx = x0 + (k & 1);
        const yy = y0 + (k >> 1);
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const wgt = ((k & 1) === 1 ? fx : 1 - fx) * (k >> 1 === 1 ? fy : 1 - fy);
        const p = (yy * w + xx) * 3;
        r += data[p] * wgt;
        g += data[p + 1] * wgt;
        b += data[p + 2] * wgt;
      }
      if (channels === 3) {
        dst[o++] = r / 255;
        dst[o++] = g / 255;
        dst[o++] = b / 255;
      } else {
        dst[o++] = (0.2989 * r + 0.587 * g + 0.114 * b) / 255;
      }
    }
  }
}

/** Resize a whole frame (stretching, as BlazeFace expects) into `out` x `out` RGB in [0, 1]. */
export function resizeFrame(frame: RgbFrame, out: number, dst: Float32Array, offset = 0): void {
  const { width: w, height: h, data } = frame;
  const sxScale = w / out;
  const syScale = h / out;
  let o = offset;
  for (let v = 0; v < out; v++) {
    const sy = Math.min(h - 1, Math.max(0, (v + 0.5) * syScale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let u = 0; u < out; u++) {
      const sx = Math.min(w - 1, Math.max(0, (u + 0.5) * sxScale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const p00 = (y0 * w + x0) * 3;
      const p01 = (y0 * w + x1) * 3;
      const p10 = (y1 * w + x0) * 3;
      const p11 = (y1 * w + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[p00 + c] * (1 - fx) + data[p01 + c] * fx;
        const bottom = data[p10 + c] * (1 - fx) + data[p11 + c] * fx;
        dst[o++] = (top * (1 - fy) + bottom * fy) / 255;
      }
    }
  }
}
