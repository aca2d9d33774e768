import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tfjsGraphToOnnx, type TfNode } from './onnx/from-tfjs-graph.js';
import { OnnxNet } from './onnx/onnx-net.js';
import { decodeWeights, type Weight, type WeightSpec } from './onnx/tfjs-weights.js';

const require = createRequire(import.meta.url);

/** Directory of a package inside node_modules, found through its package.json. */
export function packageDir(name: string): string {
  // Not `require.resolve(name)`: @vladmandic/human's "exports" map is malformed for subpaths.
  const paths = require.resolve.paths(name) ?? [];
  for (const base of paths) {
    const candidate = join(base, name, 'package.json');
    try {
      require.resolve(candidate);
      return dirname(candidate);
    } catch {
      // try the next node_modules up the tree
    }
  }
  throw new Error(`package ${name} is not installed`);
}

/** Where the graph models shipped by @vladmandic/human live. */
export function humanModelsDir(): string {
  return join(packageDir('@vladmandic/human'), 'models');
}

/** A tfjs weights manifest: groups of weights, each stored in shards read in order. */
export type WeightsManifest = { paths: string[]; weights: WeightSpec[] }[];

/** Every weight of a tfjs manifest whose shards sit in `dir`, decoded. */
export async function readWeights(dir: string, manifest: WeightsManifest): Promise<Map<string, Weight>> {
  const weights = new Map<string, Weight>();
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    for (const [name, w] of decodeWeights(Buffer.concat(shards), group.weights)) weights.set(name, w);
  }
  return weights;
}

/** A tfjs graph model's nodes and weights, read by file path (nothing is fetched at run time). */
export async function readTfjsGraph(
  modelJsonPath: string,
): Promise<{ nodes: TfNode[]; weights: Map<string, Weight> }> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
    modelTopology: { node: TfNode[] };
    weightsManifest: WeightsManifest;
  };
  return {
    nodes: json.modelTopology.node,
    weights: await readWeights(dirname(modelJsonPath), json.weightsManifest),
  };
}

/**
 * `load` run on the first call and its promise shared by every later one, unless it fails: a
 * failed load (a file being replaced, memory short) is not kept, the next call runs it again.
 */
export function onceUnlessFailed<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}

const models = new Map<string, () => Promise<OnnxNet>>();

/**
 * Load (once per process; see {@link onceUnlessFailed}) one of @vladmandic/human's graph models
 * by name, e.g. "blazeface", converted to ONNX in memory and run on onnxruntime; `outputs` as in
 * `tfjsGraphToOnnx`.
 */
export function loadHumanModel(name: string, outputs?: string[]): Promise<OnnxNet> {
  const key = [name, ...(outputs ?? [])].join('\n');
  let load = models.get(key);
  if (!load) {
    load = onceUnlessFailed(async () => {
      const { nodes, weights } = await readTfjsGraph(join(humanModelsDir(), `${name}.json`));
      return OnnxNet.create(tfjsGraphToOnnx(nodes, weights, outputs));
    });
    models.set(key, load);
  }
  return load();
}
