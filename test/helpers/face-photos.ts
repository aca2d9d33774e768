/**
 * Still photos made in the test run from a frame of the smiling-face clip, with the ffmpeg
 * command line (Debian's; .ci/run installs it) and libheif's `heif-enc` for HEIC (Debian
 * package libheif-examples; .ci/run installs it too): the formats a phone or a browser uploads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { makeTestClip } from './clips.js';
import { makeSmilingClip } from './face-clips.js';
import { requireSystemFfmpeg } from './phone-clips.js';

export interface FacePhotos {
  jpeg: string;
  png: string;
  webp: string;
  heic: string;
  /** A landscape crop of the JPEG (360x270). */
  wideJpeg: string;
  /** {@link wideJpeg}'s pixels turned a quarter left (stored 270x360), with EXIF orientation 6 ("turn right to view"). */
  rotatedJpeg: string;
  /** The first half of the JPEG's bytes. */
  truncatedJpeg: string;
  /** A PNG cut off after its header. */
  truncatedPng: string;
  /** A frame without a face (a test pattern). */
  noFaceJpeg: string;
}

const ffmpeg = (...args: string[]): void => {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
};

/**
 * `jpeg` with an APP1 EXIF segment holding only an orientation tag (1-8), right after its
 * start-of-image marker: what a phone camera writes when it stores the sensor's pixels
 * as they came and says how to turn them.
 */
export function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  // Big-endian TIFF header, one IFD with one entry: 0x0112 (Orientation), SHORT, count 1.
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0,
    0x2a,
    0,
    0,
    0,
    8,
    0,
    1,
    0x01,
    0x12,
    0,
    3,
    0,
    0,
    0,
    1,
    0,
    orientation,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, payload, jpeg.subarray(2)]);
}

/** Makes every photo of {@link FacePhotos} in `dir`. */
export async function makeFacePhotos(dir: string): Promise<FacePhotos> {
  requireSystemFfmpeg();
  if (spawnSync('heif-enc', ['--version'], { stdio: 'ignore' }).error) {
    throw new Error('These tests need heif-enc (Debian package "libheif-examples"; .ci/run installs it).');
  }
  const clip = await makeSmilingClip(dir);
  const p = (name: string): string => join(dir, name);
  // The clip's middle frame, as a phone or a browser would save it.
  ffmpeg('-ss', '1', '-i', clip, '-frames:v', '1', '-q:v', '3', p('face.jpg'));
  ffmpeg('-i', p('face.jpg'), p('face.png'));
  ffmpeg('-i', p('face.jpg'), '-quality', '80', p('face.webp'));
  execFileSync('heif-enc', ['-q', '70', p('face.png'), '-o', p('face.heic')], { stdio: 'ignore' });
  ffmpeg('-i', p('face.jpg'), '-vf', 'crop=360:270:0:45', '-q:v', '3', p('wide.jpg'));
  ffmpeg('-i', p('wide.jpg'), '-vf', 'transpose=cclock', '-q:v', '3', p('sideways.jpg'));
  writeFileSync(p('rotated.jpg'), withExifOrientation(readFileSync(p('sideways.jpg')), 6));
  const jpeg = readFileSync(p('face.jpg'));
  writeFileSync(p('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(p('truncated.png'), readFileSync(p('face.png')).subarray(0, 3000));
  const pattern = p('pattern.mp4');
  await makeTestClip(pattern, { width: 320, height: 240, fps: 15, seconds: 1, codec: 'h264' });
  ffmpeg('-i', pattern, '-frames:v', '1', p('noface.jpg'));
  return {
    jpeg: p('face.jpg'),
    png: p('face.png'),
    webp: p('face.webp'),
    heic: p('face.heic'),
    wideJpeg: p('wide.jpg'),
    rotatedJpeg: p('rotated.jpg'),
    truncatedJpeg: p('truncated.jpg'),
    truncatedPng: p('truncated.png'),
    noFaceJpeg: p('noface.jpg'),
  };
}
