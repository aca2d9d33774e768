import { ALIGNED_CLASSES } from './aligned-classes.js';
import type { RgbFrame } from '../media/types.js';
import { meanOverViews } from './batching.js';
import type { CropSpec } from './image-ops.js';
import { sampleCrop } from './image-ops.js';
import { OnnxNet } from './onnx/onnx-net.js';

const INPUT = 112;

/** One crop's logits: its plain view, and (asked with `flip`) the mean of it and its mirror image. */
export interface AlignedViews {
  plain: Float32Array;
  flipped?: Float32Array;
}

/**
 * The OpenCV Zoo facial expression model (MobileFaceNet, trained on RAF-DB; int8 ONNX): a
 * 112 px colour face aligned on five points (face-align.ts), 7 logits out. The third view of
 * the face, next to the two small nets' 64 px grey and 112 px loose crops. The file is resolved
 * (and its sha256 checked) by `src/model-files/`; nothing here reads the environment.
 */
export class AlignedExpressionModel {
  private constructor(
    private readonly net: OnnxNet,
    readonly path: string,
  ) {}

  /** One intra-op thread by default: the engine thread keeps to its core (see onnx-session.ts). */
  static async create(path: string, threads = 1): Promise<AlignedExpressionModel> {
    const net = await OnnxNet.create(path, threads);
    const { input, inputShape, output, outputShape } = net.signature();
    if (
      input !== 'data' ||
      output !== 'label' ||
      inputShape.slice(1).join() !== `3,${INPUT},${INPUT}` ||
      outputShape[outputShape.length - 1] !== ALIGNED_CLASSES.length
    ) {
      await net.dispose();
      throw new Error(
        `${path} is not the aligned expression model (expected data [N,3,112,112] -> label [N,7], got ${input} [${inputShape.join()}] -> ${output} [${outputShape.join()}])`,
      );
    }
    return new AlignedExpressionModel(net, path);
  }

  /** The 7 logits (ALIGNED_CLASSES order) for each aligned crop. The exported graph takes one face per run. */
  async run(items: { frame: RgbFrame; crop: CropSpec }[]): Promise<Float32Array[]> {
    return (await this.views(items)).map((v) => v.plain);
  }

  /**
   * Each crop's logits alone (what `run` gives) and, with `flip`, their mean with its mirror
   * image's, from one run per view.
   */
  async views(items: { frame: RgbFrame; crop: CropSpec }[], flip = false): Promise<AlignedViews[]> {
    const views = flip ? 2 : 1;
    const plane = INPUT * INPUT;
    const hwc = new Float32Array(plane * 3);
    const out: AlignedViews[] = [];
    for (const item of items) {
      const logits = new Float32Array(views * ALIGNED_CLASSES.length);
      for (let v = 0; v < views; v++) {
        sampleCrop(item.frame, item.crop, INPUT, 3, hwc, 0, v === 1);
        // HWC in [0, 1] -> CHW RGB, (x - 0.5) / 0.5 as the model was trained.
        const chw = new Float32Array(plane * 3);
        for (let p = 0; p < plane; p++)
          for (let c = 0; c < 3; c++) chw[c * plane + p] = hwc[p * 3 + c] * 2 - 1;
        const result = await this.net.run(chw, [1, 3, INPUT, INPUT]);
        logits.set(result.label!.data, v * ALIGNED_CLASSES.length);
      }
      out.push({
        plain: meanOverViews(logits, 0, 1, ALIGNED_CLASSES.length),
        ...(flip ? { flipped: meanOverViews(logits, 0, views, ALIGNED_CLASSES.length) } : {}),
      });
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.net.dispose();
  }
}
