import { join } from 'node:path';
import { makeClipFromImage } from './clips.js';

/** A sample photo shipped by a dependency: the woman on the right smiles broadly. */
export const SMILING_PHOTO = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
export const SMILING_FACE_CROP = { x: 1300, y: 100, width: 520, height: 520 };

/** A 2 s selfie-like clip of a plainly smiling face, made from a dependency's sample image. */
export async function makeSmilingClip(dir: string, seconds = 2): Promise<string> {
  const path = join(dir, 'smile.mp4');
  await makeClipFromImage(SMILING_PHOTO, path, {
    crop: SMILING_FACE_CROP,
    size: 360,
    seconds,
    fps: 15,
    zoom: 0.08,
  });
  return path;
}
