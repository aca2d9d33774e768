import type { ClipJobResult, ThumbnailResult } from '../../src/jobs/clip-job.types.js';

/** What a worker says of a 3 s 640x360 H.264 clip, for job ports that decode nothing. */
export function stubVideoInfo(hasAudio = true): ClipJobResult['video'] {
  return {
    container: 'mov,mp4,m4a,3gp,3g2,mj2',
    codec: 'h264',
    width: 640,
    height: 360,
    rotation: 0,
    pixelAspect: 1,
    displayWidth: 640,
    displayHeight: 360,
    durationSec: 3,
    fps: 30,
    frameCount: 90,
    pixelFormat: 'yuv420p',
    hasAudio,
  };
}

/** A 29-frame 480x270 MP4 boomerang as a worker returns it, with the given bytes. */
export function stubThumbnail(data: Buffer, extra: Partial<ThumbnailResult> = {}): ThumbnailResult {
  return {
    data,
    format: 'mp4',
    mimeType: 'video/mp4',
    width: 480,
    height: 270,
    fps: 10,
    frames: 29,
    durationSec: 2.9,
    ...extra,
  } as ThumbnailResult;
}
