/**
 * Display-matrix helpers (pure). FFmpeg stores a 3x3 matrix of int32
 * (16.16 fixed point, last column 2.30) in AV_PKT_DATA_DISPLAYMATRIX side data.
 */

/** Fixed-point 16.16 to float. */
const fp = (v: number): number => v / 65536;

/**
 * Clockwise rotation (0, 90, 180, 270) a viewer must apply, as the ffmpeg CLI's
 * autorotate computes it (`-av_display_rotation_get`, rounded, normalised).
 * Returns 0 for a missing or degenerate matrix.
 */
export function rotationFromDisplayMatrix(matrix: Buffer | null | undefined): number {
  if (!matrix || matrix.length < 36) return 0;
  const m = (i: number): number => matrix.readInt32LE(i * 4);
  const scale0 = Math.hypot(fp(m(0)), fp(m(3)));
  const scale1 = Math.hypot(fp(m(1)), fp(m(4)));
  if (scale0 === 0 || scale1 === 0) return 0;
  const clockwise = (Math.atan2(fp(m(1)) / scale1, fp(m(0)) / scale0) * 180) / Math.PI;
  // av_display_rotation_get returns minus this angle; the CLI negates it again (clockwise).
  return normaliseRotation(clockwise);
}

/** Snap any angle to the nearest of 0/90/180/270. */
export function normaliseRotation(deg: number): number {
  const snapped = Math.round(deg / 90) * 90;
  return ((snapped % 360) + 360) % 360;
}

/**
 * The display matrix that makes players rotate the picture `clockwise` degrees
 * (what a phone writes for a portrait clip: 90). Inverse of
 * {@link rotationFromDisplayMatrix}; equals FFmpeg's `av_display_rotation_set(m, clockwise)`.
 */
export function displayMatrixForRotation(clockwise: number): Buffer {
  const rad = (clockwise * Math.PI) / 180;
  const c = Math.round(Math.cos(rad) * 65536);
  const s = Math.round(Math.sin(rad) * 65536);
  const buf = Buffer.alloc(36);
  const vals = [c, s, 0, -s, c, 0, 0, 0, 1 << 30];
  vals.forEach((v, i) => buf.writeInt32LE(v, i * 4));
  return buf;
}
