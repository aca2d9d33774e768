import type { AttributeValue, OnnxGraph, OnnxNode, OnnxTensor, OnnxValue } from './model-proto.js';

/** Builds an ONNX graph node by node; every node gets one fresh output name unless told. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();
  private count = 0;

  constructor(private readonly name: string) {}

  /** Add a node; returns the name of its (first) output. */
  node(op: string, inputs: string[], attrs?: Record<string, AttributeValue>, output?: string): string {
    const out = output ?? this.fresh(op);
    this.names.add(out);
    this.nodes.push({ op, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }

  /** A float constant (weights, biases). */
  floats(data: Float32Array, dims: number[], hint = 'w'): string {
    return this.constant(data, dims, hint);
  }

  /** An int64 constant (shapes, pads, axes). */
  ints(values: number[], hint = 'i'): string {
    return this.constant(BigInt64Array.from(values.map(BigInt)), [values.length], hint);
  }

  build(inputs: OnnxValue[], outputs: OnnxValue[]): OnnxGraph {
    return { name: this.name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }

  private constant(data: Float32Array | BigInt64Array, dims: number[], hint: string): string {
    const name = this.fresh(hint);
    this.names.add(name);
    this.initializers.push({ name, dims, data });
    return name;
  }

  private fresh(hint: string): string {
    let name: string;
    do name = `${hint}#${this.count++}`;
    while (this.names.has(name));
    return name;
  }
}

/** NHWC <-> NCHW permutations. */
export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

/** A 4-d array's axes reordered: output axis k is input axis `perm[k]`. */
function permute4(
  data: Float32Array,
  shape: number[],
  perm: number[],
): { data: Float32Array; dims: number[] } {
  const dims = perm.map((a) => shape[a]!);
  const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  const [s0, s1, s2, s3] = perm.map((a) => strides[a]!) as [number, number, number, number];
  const [d0, d1, d2, d3] = dims as [number, number, number, number];
  const out = new Float32Array(data.length);
  let o = 0;
  for (let a = 0; a < d0; a++)
    for (let b = 0; b < d1; b++)
      for (let c = 0; c < d2; c++)
        for (let d = 0; d < d3; d++) out[o++] = data[a * s0 + b * s1 + c * s2 + d * s3]!;
  return { data: out, dims };
}

/** A tf conv filter [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
export function convFilter(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  return permute4(data, shape, [3, 2, 0, 1]);
}

/**
 * A tf depthwise filter [kh, kw, in, multiplier] as ONNX's grouped filter [in * multiplier, 1,
 * kh, kw] (group = in; output channel c * multiplier + m, as tf orders them).
 */
export function depthwiseFilter(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const { data: out, dims } = permute4(data, shape, [2, 3, 0, 1]);
  return { data: out, dims: [dims[0]! * dims[1]!, 1, dims[2]!, dims[3]!] };
}

/** tf's 'same' and 'valid' as ONNX's auto_pad (tf puts an odd padding's extra pixel last). */
export function autoPad(padding: string): string {
  if (padding === 'SAME' || padding === 'same') return 'SAME_UPPER';
  if (padding === 'VALID' || padding === 'valid') return 'VALID';
  throw new Error(`unsupported padding ${padding}`);
}
