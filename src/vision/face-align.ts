/**
 * Five-point face alignment onto the ArcFace 112 px template, the input the aligned expression
 * model (MobileFaceNet, aligned-expression.ts) was trained on. The points come from the mesh the
 * pipeline already has, and the warp is a similarity transform, which is exactly a rotated
 * square crop: `sampleCrop` (image-ops.ts) does the bilinear sampling for it as for every model.
 */
import type { CropSpec } from './image-ops.js';

type Point = readonly [number, number];

/**
 * The standard ArcFace 112 x 112 template (left eye centre, right eye centre, nose tip, left
 * mouth corner, right mouth corner, "left" as seen in the image), in OpenCV pixel-index
 * coordinates (pixel centres at integers).
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * MediaPipe Face Mesh contours of each eye (image-left eye = the subject's right), the nose tip
 * and the mouth corners: the mesh's own landmarks closest to the five the template names. An
 * eye centre is the mean of its contour, as the 5-point detectors the model was trained with
 * place it (between the corners, half-way up the lids).
 */
const EYE_IMAGE_LEFT = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
const EYE_IMAGE_RIGHT = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
const NOSE_TIP = 1;
const MOUTH_IMAGE_LEFT = 61;
const MOUTH_IMAGE_RIGHT = 291;

/** The five template points of a 468-point mesh (x, y, z per point, source pixels), template order. */
export function meshFivePoints(points: Float32Array): Point[] {
  const at = (i: number): Point => [points[i * 3], points[i * 3 + 1]];
  const mean = (ids: number[]): Point => {
    let x = 0;
    let y = 0;
    for (const i of ids) {
      x += points[i * 3];
      y += points[i * 3 + 1];
    }
    return [x / ids.length, y / ids.length];
  };
  let left = mean(EYE_IMAGE_LEFT);
  let right = mean(EYE_IMAGE_RIGHT);
  let mouthLeft = at(MOUTH_IMAGE_LEFT);
  let mouthRight = at(MOUTH_IMAGE_RIGHT);
  // The mesh's left/right are the subject's; the template's are the image's (a mirrored frame swaps them).
  if (left[0] > right[0]) [left, right] = [right, left];
  if (mouthLeft[0] > mouthRight[0]) [mouthLeft, mouthRight] = [mouthRight, mouthLeft];
  return [left, right, at(NOSE_TIP), mouthLeft, mouthRight];
}

/** q = [[a, -b], [b, a]] p + (tx, ty): rotation by atan2(b, a), scale hypot(a, b). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * The least-squares similarity transform taking `from[i]` to `to[i]` (no reflection). With the
 * four parameters written as (a, b, tx, ty) the problem is linear, and centring both point sets
 * gives it in closed form (the same optimum as Umeyama's, which scikit-image's
 * `SimilarityTransform.estimate` computes for the ArcFace crop).
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('fitSimilarity needs two or more point pairs');
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0] / n;
    fy += from[i][1] / n;
    tx += to[i][0] / n;
    ty += to[i][1] / n;
  }
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i][0] - fx;
    const py = from[i][1] - fy;
    const qx = to[i][0] - tx;
    const qy = to[i][1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('fitSimilarity: the source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** Apply a similarity transform to a point. */
export function applySimilarity(m: Similarity, p: Point): [number, number] {
  return [m.a * p[0] - m.b * p[1] + m.tx, m.b * p[0] + m.a * p[1] + m.ty];
}

/**
 * The crop that warps the face onto the `out` px template (template scaled from 112 px): the
 * 5-point similarity from the mesh onto the template, inverted into `sampleCrop`'s rotated
 * square. `zoom` > 1 widens the field around the same centre (for nets trained on looser crops).
 */
export function alignedFaceCrop(points: Float32Array, out = 112, zoom = 1): CropSpec {
  // sampleCrop works in continuous coordinates (pixel i spans [i, i + 1]); the template is in
  // pixel-index coordinates, so its points sit half a pixel further.
  const k = out / 112;
  const template = ARCFACE_TEMPLATE_112.map(([x, y]): Point => [x * k + 0.5, y * k + 0.5]);
  const m = fitSimilarity(meshFivePoints(points), template);
  const s2 = m.a * m.a + m.b * m.b;
  // Inverse: p = A^-1 (q - t), A^-1 = [[a, b], [-b, a]] / s^2; the crop's centre is the source
  // point of the output's centre, its side out / s, its angle the inverse rotation.
  const qx = out / 2 - m.tx;
  const qy = out / 2 - m.ty;
  return {
    cx: (m.a * qx + m.b * qy) / s2,
    cy: (-m.b * qx + m.a * qy) / s2,
    size: (out / Math.sqrt(s2)) * zoom,
    angle: Math.atan2(-m.b, m.a),
  };
}
