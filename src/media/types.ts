/** What we know about a clip after probing it; our own normalised shape, never raw probe output. */
export interface VideoInfo {
  /** Container format name as FFmpeg reports it (e.g. "mov,mp4,m4a,3gp,3g2,mj2"). */
  container: string;
  /** Video codec name (e.g. "h264", "hevc", "vp9"). */
  codec: string;
  /** Coded frame size. */
  width: number;
  height: number;
  /** Clockwise rotation to apply for display (0, 90, 180, 270), from the display matrix. */
  rotation: number;
  /**
   * Width of one coded pixel over its height (sample aspect ratio; 1 for square
   * pixels, 4/3 for HDV's 1440x1080 shown as 1920x1080).
   */
  pixelAspect: number;
  /** Frame size after pixel aspect and rotation: what a viewer sees. */
  displayWidth: number;
  displayHeight: number;
  /** Duration in seconds (0 when unknown). */
  durationSec: number;
  /** Average frame rate (0 when unknown). */
  fps: number;
  /** Number of frames: exact when the container says so, else estimated from duration x fps. */
  frameCount: number;
  pixelFormat: string;
  hasAudio: boolean;
  /** True for a still image (jpg, png, ...) probed as a one-frame "video". */
  isImage?: boolean;
}

/** One decoded frame, upright (rotation applied), packed RGB24. */
export interface RgbFrame {
  /** Index of the frame in decode order within the clip. */
  index: number;
  /** Presentation time in seconds from the clip start. */
  t: number;
  width: number;
  height: number;
  /** width * height * 3 bytes, RGB, row-major, no padding. */
  data: Uint8Array;
}

export type ThumbnailFormat = 'mp4' | 'webp' | 'gif';
