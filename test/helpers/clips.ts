/**
 * Synthetic test media made with node-av only (no system ffmpeg): clips whose
 * frame index can be read back from the decoded pixels, clips animated from a
 * still image, an audio-only file and broken files. Used by the media tests,
 * the end-to-end tests and the benchmarks.
 *
 * A re-export barrel: the helpers live in modules by job (`test-pattern-clips.ts`,
 * `image-clips.ts`, `broken-files.ts`, `webp-inspect.ts`); import from here or
 * from those directly.
 */
import '../../src/polyfills.js';

export {
  drawTestFrame,
  frameIndexFromRgb,
  hasRedMarkerTopLeft,
  makeTestClip,
  type TestClipOptions,
  type TestCodec,
  type TestContainer,
} from './test-pattern-clips.js';
export { makeClipFromImage, SAMPLE_FACES, type ImageClipOptions } from './image-clips.js';
export {
  makeAudioOnlyFile,
  makeBombPng,
  makeCorruptedClip,
  makeGarbageFile,
  makeTruncatedFile,
} from './broken-files.js';
export { inspectAnimatedWebp, type WebpAnimationInfo } from './webp-inspect.js';
