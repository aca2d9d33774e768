import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

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

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * A tfjs IOHandler that reads model.json and its weight shards by file path: the models ship
 * inside node_modules and nothing may be fetched at run time.
 */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
      const dir = dirname(modelJsonPath);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const shards: Buffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const file of group.paths) shards.push(await readFile(join(dir, file)));
      }
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology,
        weightSpecs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
      };
    },
  };
}

let backendReady: Promise<void> | undefined;

/**
 * Initialise the tfjs WASM backend once per process. WASM threads need workers that tfjs does
 * not start under Node, so each worker process runs single-threaded; SIMD is used when present.
 */
export function initBackend(): Promise<void> {
  backendReady ??= (async () => {
    const wasmDir = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/';
    setWasmPaths(wasmDir);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('could not initialise the tfjs WASM backend');
    await tf.ready();
  })();
  return backendReady;
}

const models = new Map<string, Promise<GraphModel>>();

/** Load (once per process) one of @vladmandic/human's graph models by name, e.g. "blazeface". */
export function loadHumanModel(name: string): Promise<GraphModel> {
  let model = models.get(name);
  if (!model) {
    model = initBackend().then(() =>
      loadGraphModel(fileSystemHandler(join(humanModelsDir(), `${name}.json`))),
    );
    models.set(name, model);
  }
  return model;
}

export { tf };
