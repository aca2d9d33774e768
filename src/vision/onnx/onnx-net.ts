import * as ort from 'onnxruntime-node';
import { onnxSessionOptions } from '../onnx-session.js';

/** One output of a run: the values and their shape. */
export interface NetOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** A model's input and first output as it declares them (a dimension is a number or a symbolic name). */
export interface NetSignature {
  input: string;
  inputShape: readonly (number | string)[];
  output: string;
  outputShape: readonly (number | string)[];
}

/**
 * An ONNX model on onnxruntime (a net converted in memory, or a model file): one float input,
 * named float outputs. One intra-op thread by default: the engine thread keeps to its core
 * (see onnx-session.ts).
 */
export class OnnxNet {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** `model`: the ModelProto's bytes, or a file's path. */
  static async create(model: Uint8Array | string, threads = 1): Promise<OnnxNet> {
    const options = onnxSessionOptions(threads);
    // Two calls: onnxruntime declares a path and bytes as separate overloads.
    return new OnnxNet(
      await (typeof model === 'string'
        ? ort.InferenceSession.create(model, options)
        : ort.InferenceSession.create(model, options)),
    );
  }

  signature(): NetSignature {
    const shape = (m: ort.InferenceSession.ValueMetadata | undefined): readonly (number | string)[] =>
      m?.isTensor ? m.shape : [];
    return {
      input: this.session.inputNames[0] ?? '',
      inputShape: shape(this.session.inputMetadata[0]),
      output: this.session.outputNames[0] ?? '',
      outputShape: shape(this.session.outputMetadata[0]),
    };
  }

  async run(input: Float32Array, dims: number[]): Promise<Record<string, NetOutput>> {
    const result = await this.session.run({
      [this.session.inputNames[0]!]: new ort.Tensor('float32', input, dims),
    });
    const out: Record<string, NetOutput> = {};
    for (const [name, t] of Object.entries(result))
      out[name] = { data: t.data as Float32Array, dims: t.dims };
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
