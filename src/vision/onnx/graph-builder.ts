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

/** A tf conv filter [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
export function convFilter(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o];
  return { data: out, dims: [cout, cin, kh, kw] };
}

/**
 * A tf depthwise filter [kh, kw, in, multiplier] as ONNX's grouped filter [in * multiplier, 1,
 * kh, kw] (group = in; output channel c * multiplier + m, as tf orders them).
 */
export function depthwiseFilter(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, mult] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++)
          out[((c * mult + m) * kh + y) * kw + x] = data[((y * kw + x) * cin + c) * mult + m];
  return { data: out, dims: [cin * mult, 1, kh, kw] };
}

/** tf's 'same' and 'valid' as ONNX's auto_pad (tf puts an odd padding's extra pixel last). */
export function autoPad(padding: string): string {
  if (padding === 'SAME' || padding === 'same') return 'SAME_UPPER';
  if (padding === 'VALID' || padding === 'valid') return 'VALID';
  throw new Error(`unsupported padding ${padding}`);
}
