import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks, meanOverViews } from './batching.js';
import { initBackend, packageDir, tf } from './model-loader.js';
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

type Weights = Record<string, tf.Tensor>;

/**
 * The expression net of @vladmandic/face-api (a densely connected depthwise-separable CNN on
 * 112x112 RGB, trained on different data than FER2013's mini-Xception), run on our tfjs instance.
 * face-api's own bundle needs the full @tensorflow/tfjs package, so the small forward pass is
 * written out here against its published weight names.
 */
export class FaceApiExpressionModel {
  private constructor(private readonly w: Weights) {}

  static async create(): Promise<FaceApiExpressionModel> {
    await initBackend();
    const dir = join(packageDir('@vladmandic/face-api'), 'model');
    const manifest = JSON.parse(
      await readFile(join(dir, 'face_expression_model-weights_manifest.json'), 'utf8'),
    ) as {
      paths: string[];
      weights: tf.io.WeightsManifestEntry[];
    }[];
    const weights: Weights = {};
    for (const group of manifest) {
      const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
      const all = Buffer.concat(shards);
      const buffer = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      Object.assign(weights, tf.io.decodeWeights(buffer, group.weights));
    }
    return new FaceApiExpressionModel(weights);
  }

  private sep(x: tf.Tensor4D, name: string, stride: 1 | 2): tf.Tensor4D {
    const y = tf.separableConv2d(
      x,
      this.w[`${name}/depthwise_filter`] as tf.Tensor4D,
      this.w[`${name}/pointwise_filter`] as tf.Tensor4D,
      stride,
      'same',
    );
    return tf.add(y, this.w[`${name}/bias`]);
  }

  private denseBlock(x: tf.Tensor4D, block: string, first: boolean): tf.Tensor4D {
    const a = tf.relu(
      first
        ? tf.add(
            tf.conv2d(x, this.w[`${block}/conv0/filters`] as tf.Tensor4D, 2, 'same'),
            this.w[`${block}/conv0/bias`],
          )
        : this.sep(x, `${block}/conv0`, 2),
    ) as tf.Tensor4D;
    const b = this.sep(a, `${block}/conv1`, 1);
    const c = this.sep(tf.relu(tf.add(a, b)) as tf.Tensor4D, `${block}/conv2`, 1);
    const d = this.sep(tf.relu(tf.add(a, tf.add(b, c))) as tf.Tensor4D, `${block}/conv3`, 1);
    return tf.relu(tf.add(a, tf.add(b, tf.add(c, d)))) as tf.Tensor4D;
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
    const [pooledT, probs] = tf.tidy(() => {
      let x = tf.tensor4d(input, [n, INPUT, INPUT, 3]);
      x = this.denseBlock(x, 'dense0', true);
      x = this.denseBlock(x, 'dense1', false);
      x = this.denseBlock(x, 'dense2', false);
      x = this.denseBlock(x, 'dense3', false);
      const pooled = tf.reshape(tf.avgPool(x, [7, 7], [2, 2], 'valid'), [n, -1]) as tf.Tensor2D;
      return [
        pooled,
        tf.softmax(tf.add(tf.matMul(pooled, this.w['fc/weights'] as tf.Tensor2D), this.w['fc/bias'])),
      ];
    });
    const dim = pooledT.shape[1]!;
    const data = (await probs.data()) as Float32Array;
    const emb = (await pooledT.data()) as Float32Array;
    probs.dispose();
    pooledT.dispose();
    return items.map((_, i) => {
      const own = meanOverViews(data, i, views, 7);
      const probs = new Float32Array(7);
      own.forEach((p, k) => (probs[TO_FER7[k]] = p));
      return { probs, embedding: meanOverViews(emb, i, views, dim) };
    });
  }
}
