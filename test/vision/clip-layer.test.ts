import { describe, expect, it } from 'vitest';
import { loadCalibration, type Calibration } from '../../src/vision/calibration.js';
import { withClipLayer } from '../../src/vision/clip-layer.js';

describe('withClipLayer', () => {
  it('takes the clip parts of a fit and keeps everything a one-frame input reads', async () => {
    const current = await loadCalibration();
    const fitted: Calibration = {
      ...current,
      mean: current.mean.map((v) => v + 1),
      std: current.std.map((v) => v * 2),
      weights: current.weights.map((w) => w.map((v) => -v)),
      bias: current.bias.map((v) => v + 0.5),
      poolingBeta: current.poolingBeta + 1,
      mouthQuantile: 0.3,
      still: undefined,
      aligned: undefined,
      scaling: {
        image: { temperature: 9, bias: [1, 1, 1, 1, 1] },
        video: { temperature: 2, bias: [0, 0, 0, 0, 0] },
      },
      fitted: { rows: 3 },
    };
    const out = withClipLayer(current, fitted);
    expect(out.weights).toEqual(fitted.weights);
    expect(out.mean).toEqual(fitted.mean);
    expect(out.std).toEqual(fitted.std);
    expect(out.bias).toEqual(fitted.bias);
    expect(out.poolingBeta).toBe(fitted.poolingBeta);
    expect(out.mouthQuantile).toBe(0.3);
    expect(out.scaling?.video).toEqual(fitted.scaling?.video);
    // What stills read is untouched.
    expect(out.still).toEqual(current.still);
    expect(out.aligned).toEqual(current.aligned);
    expect(out.scaling?.image).toEqual(current.scaling?.image);
    expect(out.stillFlip).toBe(current.stillFlip);
    expect(out.fitted?.clip_layer).toMatchObject({ rows: 3 });
  });

  it('drops the speech-robust mouth when the fit has none', async () => {
    const current = await loadCalibration();
    const { mouthQuantile: _, ...fitted } = current;
    expect(withClipLayer(current, fitted).mouthQuantile).toBeUndefined();
  });
});
