import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks, meanOverViews } from './batching.js';
import { packageDir, readWeights, type WeightsManifest } from './model-loader.js';
import { faceApiGraph } from './onnx/face-api-graph.js';
import { OnnxNet } from './onnx/onnx-net.js';
import type { ExpressionOutput } from './expression.js';

const INPUT = 112;
/** face-api's class order. */
export const FACE_API_CLASSES = [
  'neutral',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgusted',
  'surprised',
] as const;
/** Position of each face-api class in FER7 order (angry, disgust, fear, happy, sad, surprise, neutral). */
const TO_FER7 = [6, 3, 4, 0, 2, 1, 5];
const MEAN_RGB = [122.782, 117.001, 104.298];

/**
 * The expression net of @vladmandic/face-api (a densely connected depthwise-separable CNN on
 * 112x112 RGB, trained on different data than FER2013's mini-Xception). face-api's own bundle
 * needs the full @tensorflow/tfjs package, so its forward pass is written out here as an ONNX
 * graph over its published weights (`faceApiGraph`) and run on onnxruntime.
 */
export class FaceApiExpressionModel {
  private constructor(private readonly net: OnnxNet) {}

  static async create(): Promise<FaceApiExpressionModel> {
    const dir = join(packageDir('@vladmandic/face-api'), 'model');
    const manifest = JSON.parse(
      await readFile(join(dir, 'face_expression_model-weights_manifest.json'), 'utf8'),
    ) as WeightsManifest;
    return new FaceApiExpressionModel(await OnnxNet.create(faceApiGraph(await readWeights(dir, manifest))));
  }

  /** FER7-ordered probabilities for each crop, batched; with `flip`, averaged with the mirror image. */
  async run(items: { frame: RgbFrame; crop: CropSpec }[], flip = false): Promise<ExpressionOutput[]> {
    return inChunks(items, (chunk) => this.runBatch(chunk, flip));
  }

  private async runBatch(
    items: { frame: RgbFrame; crop: CropSpec }[],
    flip: boolean,
  ): Promise<ExpressionOutput[]> {
    if (items.length === 0) return [];
    const stride = INPUT * INPUT * 3;
    const views = flip ? 2 : 1;
    const n = items.length * views;
    const input = new Float32Array(n * stride);
    items.forEach((item, i) => {
      for (let v = 0; v < views; v++)
        sampleCrop(item.frame, item.crop, INPUT, 3, input, (views * i + v) * stride, v === 1);
    });
    // face-api: (pixel - mean RGB) / 255, on 0..255 pixels
    for (let i = 0; i < input.length; i++) input[i] = (input[i] * 255 - MEAN_RGB[i % 3]) / 255;
    const out = await this.net.run(input, [n, INPUT, INPUT, 3]);
    const data = out.probs!.data;
    const emb = out.pooled!.data;
    const dim = emb.length / n;
    return items.map((_, i) => {
      const own = meanOverViews(data, i, views, 7);
      const probs = new Float32Array(7);
      own.forEach((p, k) => (probs[TO_FER7[k]] = p));
      return { probs, embedding: meanOverViews(emb, i, views, dim) };
    });
  }
}
