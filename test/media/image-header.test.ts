import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { imageSizeFromHeader } from '../../src/media/image-header.js';

describe('imageSizeFromHeader', () => {
  it('reads a JPEG start-of-frame past the EXIF/JFIF segments', () => {
    expect(imageSizeFromHeader(readFileSync('node_modules/@vladmandic/face-api/demo/sample1.jpg'))).toEqual({
      width: 1920,
      height: 1280,
    });
  });

  it('reads PNG, GIF, BMP and WebP headers', () => {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    png.write('IHDR', 12);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    expect(imageSizeFromHeader(png)).toEqual({ width: 640, height: 480 });

    const gif = Buffer.alloc(13);
    gif.write('GIF89a');
    gif.writeUInt16LE(320, 6);
    gif.writeUInt16LE(200, 8);
    expect(imageSizeFromHeader(gif)).toEqual({ width: 320, height: 200 });

    const bmp = Buffer.alloc(54);
    bmp.write('BM');
    bmp.writeInt32LE(100, 18);
    bmp.writeInt32LE(-50, 22); // top-down
    expect(imageSizeFromHeader(bmp)).toEqual({ width: 100, height: 50 });

    const webp = Buffer.alloc(30);
    webp.write('RIFF');
    webp.write('WEBP', 8);
    webp.write('VP8X', 12);
    webp.writeUIntLE(4095, 24, 3);
    webp.writeUIntLE(2047, 27, 3);
    expect(imageSizeFromHeader(webp)).toEqual({ width: 4096, height: 2048 });
  });

  it('returns undefined for anything else', () => {
    expect(imageSizeFromHeader(Buffer.from('hello world, not an image at all'))).toBeUndefined();
    expect(imageSizeFromHeader(Buffer.alloc(0))).toBeUndefined();
  });
});
