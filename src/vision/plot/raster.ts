import { PNG } from 'pngjs';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font5x7.js';

export type Rgb = readonly [number, number, number];

/** A small RGBA drawing surface for evaluation plots, written out as PNG (pngjs). */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, c);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.line(x, y, x + w, y, c);
    this.line(x + w, y, x + w, y + h, c);
    this.line(x + w, y + h, x, y + h, c);
    this.line(x, y + h, x, y, c);
  }

  /** A straight line `thickness` pixels wide (square pen). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      if (thickness <= 1) this.setPixel(x, y, c);
      else this.fillRect(Math.round(x) - half, Math.round(y) - half, thickness, thickness, c);
    }
  }

  textWidth(text: string, scale = 2): number {
    return text.length * (GLYPH_WIDTH + 1) * scale - scale;
  }

  /** Text with its top-left corner at (x, y); `align` moves the anchor to the centre or right end. */
  text(
    x: number,
    y: number,
    text: string,
    c: Rgb,
    scale = 2,
    align: 'left' | 'center' | 'right' = 'left',
  ): void {
    const w = this.textWidth(text, scale);
    let cx = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    cx = Math.round(cx);
    for (const ch of text) {
      glyph(ch).forEach((row, gy) => {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++)
          if (row[gx] === '1') this.fillRect(cx + gx * scale, y + gy * scale, scale, scale, c);
      });
      cx += (GLYPH_WIDTH + 1) * scale;
    }
  }

  static textHeight(scale = 2): number {
    return GLYPH_HEIGHT * scale;
  }

  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png);
  }
}
