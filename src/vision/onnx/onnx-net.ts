import * as ort from 'onnxruntime-node';
import { onnxSessionOptions } from '../onnx-session.js';

/** One output of a run: the values and their shape. */
export interface NetOutput {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * A converted net (an ONNX model built in memory) on onnxruntime: one float input, named
 * float outputs. One intra-op thread: the engine thread keeps to its core (see onnx-session.ts).
 */
export class OnnxNet {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: Uint8Array): Promise<OnnxNet> {
    return new OnnxNet(await ort.InferenceSession.create(model, onnxSessionOptions(1)));
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
