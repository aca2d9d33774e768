/**
 * A tiny ONNX model writer: just enough protobuf to describe a graph of standard
 * operators with float32/int64 initializers. We build EmotiMesh_Net's graph in
 * memory from a PyTorch state dict and hand the bytes to onnxruntime, so the
 * heavy GEMMs run in MLAS instead of JavaScript loops.
 *
 * Field numbers follow onnx/onnx.proto (IR version 8).
 */

/** Appends protobuf wire-format fields to a growing list of chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(64);
  private pos = 0;
  private length = 0;

  private flushScratch(): void {
    if (this.pos > 0) {
      this.chunks.push(this.scratch.slice(0, this.pos));
      this.length += this.pos;
      this.pos = 0;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n > this.scratch.length) {
      this.flushScratch();
      if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, 64));
    }
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.scratch[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[this.pos++] = Number(v);
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset).setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.byteLength);
    this.flushScratch();
    // Large payloads (weights) are referenced, not copied, until finish().
    this.chunks.push(data);
    this.length += data.byteLength;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    inner.flushScratch();
    this.tag(field, 2);
    this.varint(inner.length);
    this.flushScratch();
    this.chunks.push(...inner.chunks);
    this.length += inner.length;
    return this;
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

export const enum OnnxDataType {
  Float = 1,
  Int64 = 7,
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  /** Float32Array for FLOAT, BigInt64Array for INT64. */
  data?: Float32Array | BigInt64Array;
  /** Float32 data stored in another file instead (ONNX external data). */
  external?: { location: string; offset: number; length: number };
}

/** A dimension is a fixed size or a symbolic name (dynamic). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  type: OnnxDataType;
  dims: readonly OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  opset: number;
}

// AttributeProto.AttributeType values.
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function tensorBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian, as are typed arrays on every platform Node supports.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, info.type);
      tensor.message(2, (shape) => {
        for (const dim of info.dims) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

/** Serialises a graph as an ONNX ModelProto. */
export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'emotion-thumbnails');
  model.message(7, (g) => {
    for (const node of graph.nodes) {
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(4, node.op);
        for (const [name, attr] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => {
            a.string(1, name);
            switch (attr.kind) {
              case 'float':
                a.float(2, attr.value).int(20, ATTR_FLOAT);
                break;
              case 'int':
                a.int(3, attr.value).int(20, ATTR_INT);
                break;
              case 'string':
                a.string(4, attr.value).int(20, ATTR_STRING);
                break;
              case 'ints':
                for (const v of attr.value) a.int(8, v);
                a.int(20, ATTR_INTS);
                break;
            }
          });
        }
      });
    }
    g.string(2, graph.name);
    for (const init of graph.initializers) {
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        t.int(2, init.data instanceof BigInt64Array ? OnnxDataType.Int64 : OnnxDataType.Float);
        t.string(8, init.name);
        if (init.external) {
          const { location, offset, length } = init.external;
          for (const [key, value] of [
            ['location', location],
            ['offset', String(offset)],
            ['length', String(length)],
          ]) {
            t.message(13, (e) => e.string(1, key).string(2, value));
          }
          t.int(14, 1); // data_location = EXTERNAL
        } else if (init.data) {
          t.bytes(9, tensorBytes(init.data));
        }
      });
    }
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  model.message(8, (op) => op.string(1, '').int(2, graph.opset));
  return model.finish();
}
