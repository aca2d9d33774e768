import { autoPad, convFilter, depthwiseFilter, GraphBuilder, TO_NCHW } from './graph-builder.js';
import { encodeModel } from './model-proto.js';
import type { Weight } from './tfjs-weights.js';

/** The expression net's input side (112 px RGB). */
const INPUT = 112;

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
