/**
 * The seed's own trained model, EmotiMesh_Net, from a PyTorch checkpoint
 * (`torch.save(state_dict)`, read without running its pickle) or an ONNX export,
 * run on onnxruntime's CPU provider.
 *
 * @example
 * const model = await loadEmotiMesh('data/models/EmotiMesh_Net.pth');
 * const input = buildSeedInput(landmarksPerFrame); // 15 frames x 1404 values
 * const { probabilities } = await model.forward([input], 15);
 * await model.dispose();
 */
import { open } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EMOTIONS5 } from '../emotions.js';
import { onnxSessionOptions } from '../onnx-session.js';
import { inferArchitecture, type EmotiMeshArchitecture } from './architecture.js';
import { buildEmotiMeshGraph, GRAPH_INPUT, GRAPH_OUTPUT } from './emotimesh-graph.js';
import { CheckpointError, openTorchCheckpoint, type StateDict } from './torch-checkpoint.js';

export { CheckpointError, parseTorchCheckpoint, type StateDict, type Tensor } from './torch-checkpoint.js';
export type { EmotiMeshArchitecture } from './architecture.js';

/** The seed's class order: the product's own (EMOTIONS5). */
export const EMOTIMESH_CLASSES = EMOTIONS5;
/** 468 MediaPipe Face Mesh landmarks x (x, y, z). */
export const SEED_INPUT_SIZE = 1404;
/** The seed samples 15 frames per clip. */
export const SEED_STEPS = 15;

export interface EmotiMeshInfo {
  /** Values per frame (1404). */
  inputSize: number;
  classes: number;
  /** A fixed sequence length the model requires (ONNX exports with a static T), if any. */
  steps?: number;
  /** Hyper-parameters read from a checkpoint's shapes (not known for ONNX files). */
  architecture?: EmotiMeshArchitecture;
}

export interface EmotiMeshOutput {
  /** [B][classes] raw scores. */
  logits: number[][];
  /** [B][classes] softmax of the logits. */
  probabilities: number[][];
}

export interface EmotiMeshModel {
  readonly kind: 'pth' | 'onnx';
  readonly path: string;
  readonly info: EmotiMeshInfo;
  /** Runs B sequences, each T frames of `info.inputSize` values, frame-major. */
  forward(inputs: readonly Float32Array[], steps: number): Promise<EmotiMeshOutput>;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  /** onnxruntime intra-op threads; default: onnxruntime's (one per core). */
  threads?: number;
  /**
   * Run one 15-frame pass at load (default true) so that mapping the weights' pages in
   * (about a second for the full-size model on a cold VM) is paid at start-up,
   * not by the first request; it also sizes onnxruntime's buffers for 15 frames.
   */
  warmup?: boolean;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function sessionOptions(options: LoadOptions): ort.InferenceSession.SessionOptions {
  return onnxSessionOptions(options.threads);
}

function checkInputs(inputs: readonly Float32Array[], steps: number, info: EmotiMeshInfo): void {
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`the sequence length must be a positive integer, got ${steps}`);
  if (info.steps !== undefined && steps !== info.steps) {
    throw new RangeError(`this model was exported for sequences of ${info.steps} frames, got ${steps}`);
  }
  if (inputs.length === 0) throw new RangeError('no input sequences');
  inputs.forEach((seq, i) => {
    if (seq.length !== steps * info.inputSize) {
      throw new RangeError(
        `sequence ${i} has ${seq.length} values, expected ${steps} x ${info.inputSize} = ${steps * info.inputSize}`,
      );
    }
  });
}

function toOutput(logits: Float32Array, batch: number, classes: number): EmotiMeshOutput {
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) rows.push(Array.from(logits.subarray(b * classes, (b + 1) * classes)));
  return { logits: rows, probabilities: rows.map(softmax) };
}

async function sessionFor(sd: StateDict, options: LoadOptions, file?: string) {
  const architecture = inferArchitecture(sd);
  const graph = buildEmotiMeshGraph(sd, architecture, file ? { externalFile: basename(file) } : {});
  const session = await ort.InferenceSession.create(graph.model, {
    ...sessionOptions(options),
    extra: {
      session: {
        // External initializers (the big LSTM weights) are mapped from the checkpoint itself.
        ...(file ? { model_external_initializers_file_folder_path: dirname(file) } : {}),
        // Pre-packing would copy 552 MB of weights; MLAS packs panels on the fly at no measurable cost for 15 rows.
        disable_prepacking: '1',
      },
    },
  });
  return { architecture, graph, session };
}

async function loadCheckpoint(path: string, options: LoadOptions): Promise<EmotiMeshModel> {
  const file = resolve(path);
  const checkpoint = openTorchCheckpoint(file);
  try {
    return await modelFromSession(await sessionFor(checkpoint.stateDict, options, file), options, path);
  } finally {
    checkpoint.close();
  }
}

/**
 * Builds the model from a state dict already in memory (e.g. one parsed with
 * `parseTorchCheckpoint`); `loadEmotiMesh` is the way for files.
 */
export async function emotiMeshFromStateDict(
  sd: StateDict,
  options: LoadOptions = {},
): Promise<EmotiMeshModel> {
  return modelFromSession(await sessionFor(sd, options), options, '<memory>');
}

async function modelFromSession(
  { architecture, graph, session }: Awaited<ReturnType<typeof sessionFor>>,
  options: LoadOptions,
  path: string,
): Promise<EmotiMeshModel> {
  // Weights not mapped by onnxruntime stay in our buffers; these tensors only point at them.
  const weights: Record<string, ort.Tensor> = {};
  for (const w of graph.weightInputs) weights[w.name] = new ort.Tensor('float32', w.data, w.dims);
  const info: EmotiMeshInfo = {
    inputSize: architecture.inputSize,
    classes: architecture.classes,
    architecture,
  };
  let disposed = false;
  if (options.warmup ?? true) {
    await session.run({
      ...weights,
      [GRAPH_INPUT]: new ort.Tensor('float32', new Float32Array(SEED_STEPS * info.inputSize), [
        1,
        SEED_STEPS,
        info.inputSize,
      ]),
    });
  }
  return {
    kind: 'pth',
    path,
    info,
    async forward(inputs, steps) {
      if (disposed) throw new Error('the EmotiMesh model has been disposed');
      checkInputs(inputs, steps, info);
      const x = new Float32Array(inputs.length * steps * info.inputSize);
      inputs.forEach((seq, i) => x.set(seq, i * seq.length));
      const out = await session.run({
        ...weights,
        [GRAPH_INPUT]: new ort.Tensor('float32', x, [inputs.length, steps, info.inputSize]),
      });
      return toOutput(out[GRAPH_OUTPUT].data as Float32Array, inputs.length, info.classes);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

async function loadOnnx(path: string, options: LoadOptions): Promise<EmotiMeshModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, sessionOptions(options));
  } catch (err) {
    throw new CheckpointError(`not a loadable ONNX model: ${(err as Error).message}`, { cause: err });
  }
  const fail = async (message: string): Promise<never> => {
    await session.release();
    throw new CheckpointError(message);
  };
  if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
    return fail(
      `expected an ONNX model with one input [1, T, 1404], found ${session.inputNames.length} inputs`,
    );
  }
  const inputMeta = session.inputMetadata[0];
  const outputMeta = session.outputMetadata[0];
  const inShape = inputMeta.isTensor ? inputMeta.shape : [];
  const outShape = outputMeta.isTensor ? outputMeta.shape : [];
  const inputSize = inShape[2];
  const classes = outShape[outShape.length - 1];
  if (inShape.length !== 3 || typeof inputSize !== 'number' || typeof classes !== 'number') {
    return fail(
      `expected an ONNX model with input [batch, T, features] and output [batch, classes], got [${inShape.join(', ')}] -> [${outShape.join(', ')}]`,
    );
  }
  const fixedBatch = typeof inShape[0] === 'number' ? inShape[0] : undefined;
  if (fixedBatch !== undefined && fixedBatch !== 1) return fail(`unsupported fixed batch size ${fixedBatch}`);
  const info: EmotiMeshInfo = {
    inputSize,
    classes,
    ...(typeof inShape[1] === 'number' ? { steps: inShape[1] } : {}),
  };
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  let disposed = false;
  const run = async (x: Float32Array, batch: number, steps: number): Promise<Float32Array> => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', x, [batch, steps, inputSize]) });
    return out[outputName].data as Float32Array;
  };
  return {
    kind: 'onnx',
    path,
    info,
    async forward(inputs, steps) {
      if (disposed) throw new Error('the EmotiMesh model has been disposed');
      checkInputs(inputs, steps, info);
      // PyTorch exports usually fix the batch at 1: run the sequences one by one.
      const logits = new Float32Array(inputs.length * classes);
      for (let b = 0; b < inputs.length; b++)
        logits.set((await run(inputs[b], 1, steps)).subarray(0, classes), b * classes);
      return toOutput(logits, inputs.length, classes);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

async function sniff(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    await handle.read(head, 0, 4, 0);
    return head;
  } finally {
    await handle.close();
  }
}

/**
 * Loads a checkpoint (`.pth`, the zip written by `torch.save(state_dict)`) or an
 * ONNX export. The kind is told by the file's bytes, not its name. Throws a
 * CheckpointError with a message fit for an operator on anything else.
 */
export async function loadEmotiMesh(path: string, options: LoadOptions = {}): Promise<EmotiMeshModel> {
  const head = await sniff(path);
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  const isPickle = head[0] === 0x80 && head[1] <= 5;
  return isZip || isPickle ? loadCheckpoint(path, options) : loadOnnx(path, options);
}

/**
 * Checks that a file is a usable EmotiMesh model and returns what it holds,
 * without keeping anything loaded: a checkpoint's every entry is checked
 * against its CRC and its shapes against the architecture (no runtime
 * session), an ONNX file is opened and released.
 */
export async function inspectEmotiMesh(path: string): Promise<EmotiMeshInfo> {
  const head = await sniff(path);
  if ((head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x80 && head[1] <= 5)) {
    const checkpoint = openTorchCheckpoint(path, { verifyChecksums: true });
    try {
      const architecture = inferArchitecture(checkpoint.stateDict);
      return { inputSize: architecture.inputSize, classes: architecture.classes, architecture };
    } finally {
      checkpoint.close();
    }
  }
  const model = await loadOnnx(path, { threads: 1 });
  await model.dispose();
  return model.info;
}

/**
 * The seed's model input from per-frame landmarks: each frame is 468 points as
 * [x0, y0, z0, x1, ...] in MediaPipe's normalised coordinates (x / width,
 * y / height, z on the width scale), or null when no face was found. A frame
 * without a face repeats the previous frame's vector; zeros before the first
 * face. Frames with refined landmarks (478 points) keep the first 468.
 */
export function buildSeedInput(
  frames: readonly (Float32Array | null)[],
  inputSize = SEED_INPUT_SIZE,
): Float32Array {
  const out = new Float32Array(frames.length * inputSize);
  let previous: Float32Array | null = null;
  frames.forEach((frame, t) => {
    if (frame) {
      if (frame.length < inputSize)
        throw new RangeError(`frame ${t} has ${frame.length} values, expected ${inputSize}`);
      previous = frame.subarray(0, inputSize);
    }
    if (previous) out.set(previous, t * inputSize);
  });
  return out;
}
