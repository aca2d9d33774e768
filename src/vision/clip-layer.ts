/**
 * The clip parts of a calibration, refitted on their own: the main layer (which scores every
 * frame of a clip), the clip pooling settings and the clips' answer scaling. Everything a
 * one-frame input reads (the still-image layer, the image scaling, the aligned section) stays
 * as it was, so still-face answers do not move (`calibrate --clip-layer-only`).
 */
import type { Calibration } from './calibration.js';

/** `current` with the clip parts of `fitted` (a whole fit on the same features). */
export function withClipLayer(current: Calibration, fitted: Calibration): Calibration {
  const { mouthQuantile: _dropped, ...rest } = current;
  return {
    ...rest,
    features: fitted.features,
    mean: fitted.mean,
    std: fitted.std,
    weights: fitted.weights,
    bias: fitted.bias,
    poolingBeta: fitted.poolingBeta,
    ...(fitted.mouthQuantile !== undefined ? { mouthQuantile: fitted.mouthQuantile } : {}),
    scaling: {
      ...(current.scaling?.image ? { image: current.scaling.image } : {}),
      ...(fitted.scaling?.video ? { video: fitted.scaling.video } : {}),
    },
    fitted: {
      ...current.fitted,
      clip_layer: {
        ...fitted.fitted,
        kept: 'still-image layer, image scaling and aligned section as they were',
      },
    },
  };
}
