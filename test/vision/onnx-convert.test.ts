import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceApiGraph } from '../../src/vision/onnx/face-api-graph.js';
import {
  humanModelsDir,
  packageDir,
  readTfjsGraph,
  readWeights,
  type WeightsManifest,
} from '../../src/vision/model-loader.js';
import { tfjsGraphToOnnx } from '../../src/vision/onnx/from-tfjs-graph.js';
import { OnnxNet } from '../../src/vision/onnx/onnx-net.js';
import { decodeWeights } from '../../src/vision/onnx/tfjs-weights.js';
import { faceApiTfjs, tf, tfjsGraphModel, tfjsReady } from '../helpers/tfjs-reference.js';

/** A deterministic input in [-1, 1]: smooth shading plus noise, like a face crop's range. */
function input(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 0.7 * Math.sin(i * 0.013 + seed) + 0.3 * (s / 2 ** 30 - 1);
  });
}

/** Largest difference, relative to the reference's largest magnitude (at least 1). */
function relativeError(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  expect(got.length).toBe(ref.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i]! - got[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

const FACE_API_DIR = (): string => join(packageDir('@vladmandic/face-api'), 'model');
const faceApiManifest = async (): Promise<WeightsManifest> =>
  JSON.parse(
    await readFile(join(FACE_API_DIR(), 'face_expression_model-weights_manifest.json'), 'utf8'),
  ) as WeightsManifest;

describe('the tfjs nets converted to ONNX', () => {
  it('decodes float16 and uint8-quantised weights exactly as tfjs does', async () => {
    await tfjsReady();
    for (const [dir, manifest] of [
      [
        humanModelsDir(),
        (
          JSON.parse(await readFile(join(humanModelsDir(), 'facemesh.json'), 'utf8')) as {
            weightsManifest: WeightsManifest;
          }
        ).weightsManifest,
      ],
      [FACE_API_DIR(), await faceApiManifest()],
    ] as const) {
      for (const group of manifest) {
        const bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(join(dir, p)))));
        const ours = decodeWeights(bytes, group.weights);
        const theirs = tf.io.decodeWeights(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          group.weights as tf.io.WeightsManifestEntry[],
        );
        expect([...ours.keys()]).toEqual(Object.keys(theirs));
        for (const [name, w] of ours) {
          expect(w.shape).toEqual(theirs[name]!.shape);
          expect(Array.from(w.data)).toEqual(Array.from(theirs[name]!.dataSync()));
        }
      }
    }
  });

  it.each([
    ['blazeface', [1, 256, 256, 3], []],
    ['facemesh', [2, 192, 192, 3], []],
    ['emotion', [2, 64, 64, 1], ['StatefulPartitionedCall/model_1/add_2/add']],
  ] as const)('%s gives what tfjs gives, output by output', async (name, dims, extra) => {
    const path = join(humanModelsDir(), `${name}.json`);
    const { nodes, weights } = await readTfjsGraph(path);
    const outputs = [...nodes.filter((n) => n.op === 'Identity').map((n) => n.name), ...extra];
    const net = await OnnxNet.create(tfjsGraphToOnnx(nodes, weights, outputs));
    const shape: number[] = [...dims];
    const x = input(
      shape.reduce((a, b) => a * b, 1),
      shape.length,
    );
    const got = await net.run(x, shape);
    const model = await tfjsGraphModel(path);
    const t = tf.tensor4d(x, shape as [number, number, number, number]);
    const ref = model.execute(t, outputs) as tf.Tensor[];
    outputs.forEach((o, k) => {
      expect(got[o]!.dims).toEqual(ref[k]!.shape);
      expect(relativeError(ref[k]!.dataSync() as Float32Array, got[o]!.data)).toBeLessThan(1e-5);
    });
    tf.dispose([t, ...ref]);
    await net.dispose();
  });

  it("face-api's expression net gives what its tfjs forward pass gives", async () => {
    await tfjsReady();
    const weights = await readWeights(FACE_API_DIR(), await faceApiManifest());
    const net = await OnnxNet.create(faceApiGraph(weights));
    const n = 2;
    const x = input(n * 112 * 112 * 3, 7);
    const got = await net.run(x, [n, 112, 112, 3]);
    const tensors = Object.fromEntries([...weights].map(([k, w]) => [k, tf.tensor(w.data, w.shape)]));
    const ref = faceApiTfjs(tensors, x, n);
    expect(got.pooled!.dims).toEqual([n, 256]);
    expect(relativeError(ref.pooled, got.pooled!.data)).toBeLessThan(1e-5);
    expect(relativeError(ref.probs, got.probs!.data)).toBeLessThan(1e-6);
    tf.dispose(Object.values(tensors));
    await net.dispose();
  });

  it('names an op it cannot convert', () => {
    const nodes = [
      { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
      { name: 'y', op: 'Erf', input: ['x'] },
      { name: 'Identity', op: 'Identity', input: ['y'] },
    ];
    expect(() => tfjsGraphToOnnx(nodes, new Map())).toThrow(/unsupported op Erf \(y\)/);
  });
});
