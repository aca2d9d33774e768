import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { loadHumanModel, tf } from './model-loader.js';

const INPUT = 64;

/** FER2013 7-class probabilities for one crop and its mirror image. */
export interface ExpressionResult {
  p7: Float32Array;
  p7Flip: Float32Array;
}

/** The mini-Xception FER2013 expression model shipped by @vladmandic/human (64x64 greyscale). */
export class ExpressionModel {
  private constructor(private readonly model: GraphModel) {}

  static async create(): Promise<ExpressionModel> {
    return new ExpressionModel(await loadHumanModel('emotion'));
  }

  /** One batch for all crops, each with its horizontal mirror (flip averaging). */
  async run(items: { frame: RgbFrame; crop: CropSpec }[]): Promise<ExpressionResult[]> {
    if (items.length === 0) return [];
    const stride = INPUT * INPUT;
    const n = items.length * 2;
    const input = new Float32Array(n * stride);
    items.forEach((item, i) => {
      sampleCrop(item.frame, item.crop, INPUT, 1, input, 2 * i * stride, false);
      sampleCrop(item.frame, item.crop, INPUT, 1, input, (2 * i + 1) * stride, true);
    });
    // The model was trained on greyscale in [-1, 1].
    for (let i = 0; i < input.length; i++) input[i] = input[i] * 2 - 1;
    const x = tf.tensor4d(input, [n, INPUT, INPUT, 1]);
    const y = this.model.execute(x) as tf.Tensor;
    x.dispose();
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return items.map((_, i) => ({
      p7: data.slice(2 * i * 7, 2 * i * 7 + 7),
      p7Flip: data.slice((2 * i + 1) * 7, (2 * i + 1) * 7 + 7),
    }));
  }
}
