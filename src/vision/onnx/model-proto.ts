import protobuf from 'protobufjs/minimal.js';

/**
 * The part of ONNX's ModelProto that a converted feed-forward graph needs, encoded with
 * protobufjs's wire writer (field numbers from onnx/onnx.proto). Float tensors only, plus
 * int64 constants (shapes, axes).
 */

/** An attribute: an integer, a string or a list of integers (all the converted graphs use). */
export type AttributeValue = number | string | number[];

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxValue {
  name: string;
  /** A dimension as a number, or a symbolic name (the batch); no dims: shape unstated. */
  dims?: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

const IR_VERSION = 8;
export const OPSET = 13;
const FLOAT = 1;
const INT64 = 7;
enum AttributeType {
  INT = 2,
  STRING = 3,
  INTS = 7,
}

type Writer = protobuf.Writer;

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32((field << 3) | 2).fork();
  body(w);
  w.ldelim();
}

function string(w: Writer, field: number, value: string): void {
  w.uint32((field << 3) | 2).string(value);
}

function int(w: Writer, field: number, value: number): void {
  w.uint32(field << 3).int64(value);
}

function attribute(w: Writer, name: string, value: AttributeValue): void {
  string(w, 1, name);
  if (typeof value === 'string') {
    w.uint32((4 << 3) | 2).bytes(Buffer.from(value, 'utf8'));
    int(w, 20, AttributeType.STRING);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer`);
    int(w, 3, value);
    int(w, 20, AttributeType.INT);
  } else {
    for (const v of value) int(w, 8, v);
    int(w, 20, AttributeType.INTS);
  }
}

function tensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) int(w, 1, d);
  int(w, 2, t.data instanceof Float32Array ? FLOAT : INT64);
  string(w, 8, t.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.uint32((9 << 3) | 2).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(w: Writer, v: OnnxValue): void {
  string(w, 1, v.name);
  message(w, 2, (type) =>
    message(type, 1, (tensorType) => {
      int(tensorType, 1, FLOAT);
      const dims = v.dims;
      if (dims)
        message(tensorType, 2, (shape) => {
          for (const d of dims)
            message(shape, 1, (dim) => (typeof d === 'number' ? int(dim, 1, d) : string(dim, 2, d)));
        });
    }),
  );
}

/** The serialized ModelProto, ready for `InferenceSession.create(bytes)`. */
export function encodeModel(graph: OnnxGraph, producer = 'emothumb'): Uint8Array {
  const w = protobuf.Writer.create();
  int(w, 1, IR_VERSION);
  string(w, 2, producer);
  message(w, 7, (g) => {
    for (const node of graph.nodes)
      message(g, 1, (n) => {
        for (const i of node.inputs) string(n, 1, i);
        for (const o of node.outputs) string(n, 2, o);
        string(n, 4, node.op);
        for (const [name, value] of Object.entries(node.attrs ?? {}))
          message(n, 5, (a) => attribute(a, name, value));
      });
    string(g, 2, graph.name);
    for (const t of graph.initializers) message(g, 5, (m) => tensor(m, t));
    for (const v of graph.inputs) message(g, 11, (m) => valueInfo(m, v));
    for (const v of graph.outputs) message(g, 12, (m) => valueInfo(m, v));
  });
  message(w, 8, (o) => {
    string(o, 1, '');
    int(o, 2, OPSET);
  });
  return w.finish();
}
