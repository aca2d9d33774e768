import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks, meanOverViews } from './batching.js';
import { packageDir, readWeights, type WeightsManifest } from './model-loader.js';
import { autoPad, convFilter, depthwiseFilter, GraphBuilder, TO_NCHW } from './onnx/graph-builder.js';
import { encodeModel } from './onnx/model-proto.js';
import { OnnxNet } from './onnx/onnx-net.js';
import type { Weight } from './onnx/tfjs-weights.js';
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

/**
 * face-api's expression net as an ONNX model: four dense blocks (112 -> 7 px), a 7x7 average
 * pool, a fully connected layer. Input channels-last [n, 112, 112, 3]; outputs `pooled` [n, 256]
 * (the embedding) and `probs` [n, 7] (face-api's class order).
 */
export function faceApiGraph(w: Map<string, Weight>): Uint8Array {
  const g = new GraphBuilder('face-api-expression');
  const weight = (name: string): Weight => {
    const found = w.get(name);
    if (!found) throw new Error(`face-api expression weights: no ${name}`);
    return found;
  };
  const bias = (name: string): string =>
    g.floats(Float32Array.from(weight(name).data), [weight(name).data.length]);
  const conv = (x: string, filter: string, b: string | undefined, stride: number, group?: number): string =>
    g.node('Conv', b ? [x, filter, b] : [x, filter], {
      strides: [stride, stride],
      auto_pad: autoPad('same'),
      ...(group ? { group } : {}),
    });
  const filter = (f: { data: Float32Array; dims: number[] }): string => g.floats(f.data, f.dims);
  /** tf.separableConv2d (depthwise with the stride, then pointwise) plus the bias. */
  const sep = (x: string, name: string, stride: number): string => {
    const dw = weight(`${name}/depthwise_filter`);
    const pw = weight(`${name}/pointwise_filter`);
    const depthwise = conv(
      x,
      filter(depthwiseFilter(Float32Array.from(dw.data), dw.shape)),
      undefined,
      stride,
      dw.shape[2],
    );
    return conv(depthwise, filter(convFilter(Float32Array.from(pw.data), pw.shape)), bias(`${name}/bias`), 1);
  };
  const relu = (x: string): string => g.node('Relu', [x]);
  const add = (...xs: string[]): string => xs.reduceRight((sum, x) => g.node('Add', [x, sum]));
  const denseBlock = (x: string, block: string, first: boolean): string => {
    let a: string;
    if (first) {
      const f = weight(`${block}/conv0/filters`);
      a = relu(
        conv(x, filter(convFilter(Float32Array.from(f.data), f.shape)), bias(`${block}/conv0/bias`), 2),
      );
    } else {
      a = relu(sep(x, `${block}/conv0`, 2));
    }
    const b = sep(a, `${block}/conv1`, 1);
    const c = sep(relu(add(a, b)), `${block}/conv2`, 1);
    const d = sep(relu(add(a, b, c)), `${block}/conv3`, 1);
    return relu(add(a, b, c, d));
  };

  let x = g.node('Transpose', ['input'], { perm: TO_NCHW });
  x = denseBlock(x, 'dense0', true);
  for (const block of ['dense1', 'dense2', 'dense3']) x = denseBlock(x, block, false);
  const pool = g.node('AveragePool', [x], {
    kernel_shape: [7, 7],
    strides: [2, 2],
    auto_pad: autoPad('valid'),
  });
  // [n, c, 1, 1] flattens in the same order as tf's [n, 1, 1, c].
  const pooled = g.node('Flatten', [pool], { axis: 1 }, 'pooled');
  const fc = weight('fc/weights');
  const logits = g.node('Gemm', [pooled, g.floats(Float32Array.from(fc.data), fc.shape), bias('fc/bias')]);
  g.node('Softmax', [logits], { axis: -1 }, 'probs');
  return encodeModel(
    g.build([{ name: 'input', dims: ['N', INPUT, INPUT, 3] }], [{ name: 'pooled' }, { name: 'probs' }]),
  );
}
