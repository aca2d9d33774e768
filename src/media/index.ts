/**
 * The media layer: the only code that touches FFmpeg (through node-av).
 * Flow used by the service: {@link probeVideo} -> {@link decodeFrames} -> {@link encodeBoomerang}.
 */
export type { RgbFrame, ThumbnailFormat, VideoInfo } from './types.js';
export { probeVideo, type ProbeLimits } from './probe.js';
export { evenlySpacedIndices } from './sampling.js';
export { decodeImage, type DecodeImageOptions } from './image.js';
export { conversionFilter, outputSize, type CropRect } from './convert.js';
export { MediaClip } from './clip.js';
export type { PacketIndex } from './packet-index.js';
export { decodeFrames, type DecodeOptions, type DecodeStats, type FrameRequest } from './decode.js';
export {
  encodeBoomerang,
  BoomerangEncoder,
  StillEncoder,
  stillFormatFor,
  stillWriterOptions,
  boomerangOrder,
  thumbnailWriterOptions,
  type BoomerangOptions,
  type EncodedThumbnail,
  type StillFormat,
} from './encode.js';
export { rotationFromDisplayMatrix, displayMatrixForRotation } from './rotation.js';
