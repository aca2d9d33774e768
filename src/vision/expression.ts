import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks, meanOverViews } from './batching.js';
import { loadHumanModel } from './model-loader.js';
import type { NetOutput, OnnxNet } from './onnx/onnx-net.js';

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
  private constructor(private readonly model: OnnxNet) {}

  static async create(): Promise<ExpressionModel> {
    return new ExpressionModel(await loadHumanModel('emotion', [FEATURE_NODE, 'Identity']));
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
    const out = await this.model.run(input, [n, INPUT, INPUT, 1]);
    const data = out.Identity!.data;
    const emb = meanOverPixels(out[FEATURE_NODE]!);
    const dim = emb.length / n;
    return items.map((_, i) => ({
      probs: meanOverViews(data, i, views, 7),
      embedding: meanOverViews(emb, i, views, dim),
    }));
  }
}

/** A channels-last feature map [n, h, w, c] averaged over its pixels: [n, c]. */
function meanOverPixels(map: NetOutput): Float32Array {
  const [n, h, w, c] = map.dims as [number, number, number, number];
  const sums = new Float64Array(n * c);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < h * w; p++)
      for (let k = 0; k < c; k++) sums[i * c + k] += map.data[(i * h * w + p) * c + k]!;
  return Float32Array.from(sums, (v) => v / (h * w));
}
