import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  imageSizeFromHeader,
  jpegExifOrientation,
  jpegIsComplete,
  rotationForExifOrientation,
  stillImageKind,
} from '../../src/media/image-header.js';
import { withExifOrientation } from '../helpers/face-photos.js';

const SAMPLE_JPEG = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';

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

describe('stillImageKind', () => {
  it('tells JPEG, PNG, WebP, GIF, BMP and single-image HEIF/AVIF from their first bytes', () => {
    expect(stillImageKind(readFileSync(SAMPLE_JPEG))).toBe('jpeg');
    expect(stillImageKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(stillImageKind(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(stillImageKind(Buffer.from('GIF89a\0\0'))).toBe('gif');
    expect(stillImageKind(Buffer.from('BM\0\0'))).toBe('bmp');
    for (const brand of ['heic', 'mif1', 'avif'])
      expect(stillImageKind(Buffer.from(`\0\0\0\x18ftyp${brand}\0\0\0\0`, 'binary'))).toBe('heif');
    // An MP4 (and a HEIF image sequence) is no still.
    expect(stillImageKind(Buffer.from('\0\0\0\x18ftypisom\0\0\0\0', 'binary'))).toBeUndefined();
    expect(stillImageKind(Buffer.from('\0\0\0\x18ftypmsf1\0\0\0\0', 'binary'))).toBeUndefined();
    expect(stillImageKind(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('jpegIsComplete', () => {
  const jpeg = readFileSync(SAMPLE_JPEG);

  it('is true for a whole JPEG, also with data appended after its end (a motion photo)', () => {
    expect(jpegIsComplete(jpeg)).toBe(true);
    expect(jpegIsComplete(Buffer.concat([jpeg, Buffer.from('....ftypmp42 a video follows')]))).toBe(true);
  });

  it('is false for a JPEG cut anywhere before its end marker', () => {
    for (const share of [0.01, 0.3, 0.6, 0.99])
      expect(jpegIsComplete(jpeg.subarray(0, Math.floor(jpeg.length * share)))).toBe(false);
    expect(jpegIsComplete(jpeg.subarray(0, jpeg.length - 1))).toBe(false);
  });

  it('does not take an end marker inside the EXIF segment (an embedded thumbnail) for the end', () => {
    // An APP1 segment whose payload holds FF D9, then the real image cut off.
    const app1 = Buffer.from([0xff, 0xe1, 0, 8, 0xff, 0xd9, 0xff, 0xd9, 0, 0]);
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    expect(jpegIsComplete(Buffer.concat([cut.subarray(0, 2), app1, cut.subarray(2)]))).toBe(false);
  });
});

describe('jpegExifOrientation and rotationForExifOrientation', () => {
  it('reads the orientation tag of the EXIF segment (big- and little-endian)', () => {
    const jpeg = readFileSync(SAMPLE_JPEG);
    for (const o of [1, 3, 6, 8]) expect(jpegExifOrientation(withExifOrientation(jpeg, o))).toBe(o);
    // Little-endian ("II") TIFF, as many cameras write it.
    const tiff = Buffer.from([
      0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
    const segment = Buffer.concat([Buffer.from([0xff, 0xe1, 0, payload.length + 2]), payload]);
    expect(jpegExifOrientation(Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]))).toBe(8);
  });

  it('is undefined without an orientation tag, or for what is not a JPEG', () => {
    expect(jpegExifOrientation(readFileSync(SAMPLE_JPEG))).toBeUndefined();
    expect(jpegExifOrientation(Buffer.from('not a jpeg'))).toBeUndefined();
  });

  it('maps the eight orientations to the clockwise turn that makes the picture upright', () => {
    expect([undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(rotationForExifOrientation)).toEqual([
      0, 0, 0, 180, 180, 90, 90, 270, 270, 0,
    ]);
  });
});
