import type { CropSpec } from './image-ops.js';

/** MediaPipe Face Mesh indices used here (image-left = subject's right). */
const L = {
  eyeOuterR: 33,
  eyeInnerR: 133,
  eyeOuterL: 263,
  eyeInnerL: 362,
  lidUpR: 159,
  lidLoR: 145,
  lidUpL: 386,
  lidLoL: 374,
  mouthR: 61,
  mouthL: 291,
  lipInUp: 13,
  lipInLo: 14,
  lipOutUp: 0,
  lipOutLo: 17,
  browMidR: 105,
  browMidL: 334,
  browInR: 107,
  browInL: 336,
  noseTip: 1,
  chin: 152,
  forehead: 10,
} as const;

/** Names of the geometric features, in the order `meshFeatures` returns them. */
export const GEOMETRY_FEATURES = [
  'mouth_open',
  'mouth_width',
  'lip_corner_lift',
  'eye_open',
  'brow_raise',
  'brow_inner_gap',
  'brow_inner_raise',
  'jaw_drop',
] as const;

function pt(points: Float32Array, i: number): [number, number] {
  return [points[i * 3], points[i * 3 + 1]];
}

function mid(a: [number, number], b: [number, number]): [number, number] {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

/** Roll of the face: angle of the line from the image-left eye to the image-right eye. */
export function eyeLineAngle(points: Float32Array): number {
  const a = mid(pt(points, L.eyeOuterR), pt(points, L.eyeInnerR));
  const b = mid(pt(points, L.eyeOuterL), pt(points, L.eyeInnerL));
  return Math.atan2(b[1] - a[1], b[0] - a[0]);
}

/**
 * Shape measurements that separate the classes a texture model confuses (surprise vs fear,
 * smile vs talk, frown vs neutral), in the face's own upright frame, in units of the distance
 * between the eye centres so they do not depend on face size or roll.
 */
export function meshFeatures(points: Float32Array): number[] {
  const angle = eyeLineAngle(points);
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  const up = (i: number): [number, number] => {
    const [x, y] = pt(points, i);
    return [cos * x - sin * y, sin * x + cos * y];
  };
  const eyeR = mid(up(L.eyeOuterR), up(L.eyeInnerR));
  const eyeL = mid(up(L.eyeOuterL), up(L.eyeInnerL));
  const iod = Math.hypot(eyeL[0] - eyeR[0], eyeL[1] - eyeR[1]) || 1;
  const dist = (a: number, b: number): number => {
    const p = up(a);
    const q = up(b);
    return Math.hypot(p[0] - q[0], p[1] - q[1]) / iod;
  };
  const y = (i: number): number => up(i)[1] / iod;
  const lipCentreY = (y(L.lipInUp) + y(L.lipInLo)) / 2;
  const cornersY = (y(L.mouthR) + y(L.mouthL)) / 2;
  return [
    dist(L.lipInUp, L.lipInLo),
    dist(L.mouthR, L.mouthL),
    lipCentreY - cornersY,
    (dist(L.lidUpR, L.lidLoR) + dist(L.lidUpL, L.lidLoL)) / 2,
    (y(L.lidUpR) - y(L.browMidR) + y(L.lidUpL) - y(L.browMidL)) / 2,
    dist(L.browInR, L.browInL),
    (y(L.eyeInnerR) - y(L.browInR) + y(L.eyeInnerL) - y(L.browInL)) / 2,
    dist(L.noseTip, L.chin),
  ];
}

/** Bounding box of the mesh (x, y), source pixels. */
export function meshBounds(points: Float32Array): { x: number; y: number; width: number; height: number } {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/**
 * An upright square around the face for the expression model: centred between the eyes and
 * the mouth, its side `margin` times the eye-to-chin extent, rotated so the eye line is level.
 */
export function expressionCrop(points: Float32Array, margin: number): CropSpec {
  const angle = eyeLineAngle(points);
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    const x = cos * points[i] - sin * points[i + 1];
    const y = sin * points[i] + cos * points[i + 1];
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const ux = (minX + maxX) / 2;
  const uy = (minY + maxY) / 2;
  // back from the upright frame to source pixels
  const cx = Math.cos(angle) * ux - Math.sin(angle) * uy;
  const cy = Math.sin(angle) * ux + Math.cos(angle) * uy;
  return { cx, cy, size: Math.max(maxX - minX, maxY - minY) * margin, angle };
}

/** The crop the mesh model wants for a face of this box: 1.5x the mesh's own extent. */
export function meshCropFromPoints(points: Float32Array): CropSpec {
  return expressionCrop(points, 1.5);
}
