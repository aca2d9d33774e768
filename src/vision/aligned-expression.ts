import * as ort from 'onnxruntime-node';
import { ALIGNED_CLASSES } from './aligned-classes.js';
import type { RgbFrame } from '../media/types.js';
import { meanOverViews } from './batching.js';
import type { CropSpec } from './image-ops.js';
import { sampleCrop } from './image-ops.js';
import { onnxSessionOptions } from './onnx-session.js';

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
    private readonly session: ort.InferenceSession,
    readonly path: string,
  ) {}

  /** One intra-op thread by default: the engine thread keeps to its core (see onnx-session.ts). */
  static async create(path: string, threads = 1): Promise<AlignedExpressionModel> {
    const session = await ort.InferenceSession.create(path, onnxSessionOptions(threads));
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    const shape = input?.isTensor ? input.shape : [];
    const outShape = output?.isTensor ? output.shape : [];
    if (
      session.inputNames[0] !== 'data' ||
      session.outputNames[0] !== 'label' ||
      shape.slice(1).join() !== `3,${INPUT},${INPUT}` ||
      outShape[outShape.length - 1] !== ALIGNED_CLASSES.length
    ) {
      await session.release();
      throw new Error(
        `${path} is not the aligned expression model (expected data [N,3,112,112] -> label [N,7], got ${session.inputNames.join()} [${shape.join()}] -> ${session.outputNames.join()} [${outShape.join()}])`,
      );
    }
    return new AlignedExpressionModel(session, path);
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
        const result = await this.session.run({ data: new ort.Tensor('float32', chw, [1, 3, INPUT, INPUT]) });
        logits.set(result.label.data as Float32Array, v * ALIGNED_CLASSES.length);
      }
      out.push({
        plain: meanOverViews(logits, 0, 1, ALIGNED_CLASSES.length),
        ...(flip ? { flipped: meanOverViews(logits, 0, views, ALIGNED_CLASSES.length) } : {}),
      });
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
