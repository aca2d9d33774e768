import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { packageDir } from '../../src/vision/model-loader.js';

/**
 * The nets as tfjs runs them (the WASM backend, as the service did before it converted them to
 * ONNX): the reference the converted graphs are checked against. Test-only.
 */
let ready: Promise<void> | undefined;
export function tfjsReady(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
    if (!(await tf.setBackend('wasm'))) throw new Error('no tfjs WASM backend');
    await tf.ready();
  })();
  return ready;
}

/** A tfjs graph model read by file path. */
export async function tfjsGraphModel(modelJsonPath: string): Promise<GraphModel> {
  await tfjsReady();
  return loadGraphModel({
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      const shards: Buffer[] = [];
      for (const g of json.weightsManifest)
        for (const p of g.paths) shards.push(await readFile(join(dirname(modelJsonPath), p)));
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  });
}

/** face-api's expression net written against tfjs ops (what @vladmandic/face-api computes). */
export function faceApiTfjs(
  w: Record<string, tf.Tensor>,
  input: Float32Array,
  n: number,
): { pooled: Float32Array; probs: Float32Array } {
  const sep = (x: tf.Tensor4D, name: string, stride: 1 | 2): tf.Tensor4D =>
    tf.add(
      tf.separableConv2d(
        x,
        w[`${name}/depthwise_filter`] as tf.Tensor4D,
        w[`${name}/pointwise_filter`] as tf.Tensor4D,
        stride,
        'same',
      ),
      w[`${name}/bias`]!,
    );
  const block = (x: tf.Tensor4D, b: string, first: boolean): tf.Tensor4D => {
    const a = tf.relu(
      first
        ? tf.add(tf.conv2d(x, w[`${b}/conv0/filters`] as tf.Tensor4D, 2, 'same'), w[`${b}/conv0/bias`]!)
        : sep(x, `${b}/conv0`, 2),
    ) as tf.Tensor4D;
    const bb = sep(a, `${b}/conv1`, 1);
    const c = sep(tf.relu(tf.add(a, bb)) as tf.Tensor4D, `${b}/conv2`, 1);
    const d = sep(tf.relu(tf.add(a, tf.add(bb, c))) as tf.Tensor4D, `${b}/conv3`, 1);
    return tf.relu(tf.add(a, tf.add(bb, tf.add(c, d)))) as tf.Tensor4D;
  };
  return tf.tidy(() => {
    let x = tf.tensor4d(input, [n, 112, 112, 3]);
    x = block(x, 'dense0', true);
    for (const b of ['dense1', 'dense2', 'dense3']) x = block(x, b, false);
    const pooled = tf.reshape(tf.avgPool(x, [7, 7], [2, 2], 'valid'), [n, -1]) as tf.Tensor2D;
    const probs = tf.softmax(tf.add(tf.matMul(pooled, w['fc/weights'] as tf.Tensor2D), w['fc/bias']!));
    return { pooled: pooled.dataSync() as Float32Array, probs: probs.dataSync() as Float32Array };
  });
}

export { tf };
