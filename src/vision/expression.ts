import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks, meanOverViews } from './batching.js';
import { loadHumanModel, tf } from './model-loader.js';

const INPUT = 64;
/** The last feature map before the class convolution (global-average-pooled: the embedding). */
const FEATURE_NODE = 'StatefulPartitionedCall/model_1/add_2/add';

/** One crop's answer: FER7 probabilities and the pooled feature vector they were computed from. */
export interface ExpressionOutput {
  probs: Float32Array;
  embedding: Float32Array;
}

/** The mini-Xception FER2013 expression model shipped by @vladmandic/human (64x64 greyscale). */
export class ExpressionModel {
  private constructor(private readonly model: GraphModel) {}

  static async create(): Promise<ExpressionModel> {
    return new ExpressionModel(await loadHumanModel('emotion'));
  }

  /**
   * FER7 probabilities for each crop, batched; with `flip`, averaged with the mirror image.
   */
  async run(items: { frame: RgbFrame; crop: CropSpec }[], flip = false): Promise<ExpressionOutput[]> {
    return inChunks(items, (chunk) => this.runBatch(chunk, flip));
  }

  private async runBatch(
    items: { frame: RgbFrame; crop: CropSpec }[],
    flip: boolean,
  ): Promise<ExpressionOutput[]> {
    if (items.length === 0) return [];
    const stride = INPUT * INPUT;
    const views = flip ? 2 : 1;
    const n = items.length * views;
    const input = new Float32Array(n * stride);
    items.forEach((item, i) => {
      for (let v = 0; v < views; v++)
        sampleCrop(item.frame, item.crop, INPUT, 1, input, (views * i + v) * stride, v === 1);
    });
    // The model was trained on greyscale in [-1, 1].
    for (let i = 0; i < input.length; i++) input[i] = input[i] * 2 - 1;
    const x = tf.tensor4d(input, [n, INPUT, INPUT, 1]);
    const [map, y] = this.model.execute(x, [FEATURE_NODE, 'Identity']) as tf.Tensor[];
    x.dispose();
    const pooled = tf.mean(map, [1, 2]);
    map.dispose();
    const dim = pooled.shape[1]!;
    const data = (await y.data()) as Float32Array;
    const emb = (await pooled.data()) as Float32Array;
    y.dispose();
    pooled.dispose();
    return items.map((_, i) => ({
      probs: meanOverViews(data, i, views, 7),
      embedding: meanOverViews(emb, i, views, dim),
    }));
  }
}
