import { autoPad, convFilter, depthwiseFilter, GraphBuilder, TO_NCHW, TO_NHWC } from './graph-builder.js';
import { encodeModel } from './model-proto.js';
import type { Weight } from './tfjs-weights.js';

/** One node of a tfjs graph model's GraphDef (model.json's `modelTopology.node`). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

interface TfAttr {
  s?: string;
  i?: string;
  b?: boolean;
  list?: { i?: string[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}

/** An ONNX value standing for a tf node's output, and whether it is a channels-first activation. */
interface Value {
  name: string;
  nchw: boolean;
}

/** What an op's converter sees: its node, its converted arguments, the graph being built. */
interface OpContext {
  node: TfNode;
  g: GraphBuilder;
  /** The converted value of argument `k`. */
  arg(k: number): Value;
  /** The weight of constant argument `k`. */
  constant(k: number): Weight;
  /** A string attribute. */
  str(name: string): string;
  /** An int-list attribute. */
  ints(name: string): number[];
  /** The value channels-last (a transpose when it is channels-first). */
  nhwc(v: Value): string;
  /** Register a graph input. */
  input(name: string, dims: (number | string)[]): void;
}

const nchw = (name: string): Value => ({ name, nchw: true });
const plain = (name: string): Value => ({ name, nchw: false });
/** A per-channel vector (bias, PReLU slope) broadcast over a channels-first activation. */
const perChannel = (c: OpContext, w: Weight): string =>
  c.g.floats(Float32Array.from(w.data), [w.data.length, 1, 1]);

function convAttrs(c: OpContext): Record<string, string | number[]> {
  const strides = c.ints('strides');
  const dilations = c.ints('dilations');
  return {
    strides: [strides[1] ?? 1, strides[2] ?? 1],
    dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
    auto_pad: autoPad(c.str('padding')),
  };
}

/** One converter per tf op. */
const OPS: Record<string, (c: OpContext) => Value> = {
  Placeholder(c) {
    const dims = (c.node.attr?.shape?.shape?.dim ?? []).map((d) =>
      Number(d.size) < 0 ? 'N' : Number(d.size),
    );
    c.input(c.node.name, dims);
    return dims.length === 4
      ? nchw(c.g.node('Transpose', [c.node.name], { perm: TO_NCHW }))
      : plain(c.node.name);
  },
  Identity: (c) => c.arg(0),
  _FusedConv2D(c) {
    if (c.str('data_format') !== 'NHWC')
      throw new Error(`${c.node.name}: data format ${c.str('data_format')}`);
    const fused = (c.node.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
    if (fused[0] !== 'BiasAdd') throw new Error(`${c.node.name}: fused ops ${fused.join()}`);
    const w = c.constant(1);
    const filter = convFilter(Float32Array.from(w.data), w.shape);
    const bias = c.constant(2);
    const conv = c.g.node(
      'Conv',
      [
        c.arg(0).name,
        c.g.floats(filter.data, filter.dims),
        c.g.floats(Float32Array.from(bias.data), bias.shape),
      ],
      convAttrs(c),
    );
    const act = fused.slice(1).join();
    if (act === '') return nchw(conv);
    if (act === 'Relu') return nchw(c.g.node('Relu', [conv]));
    if (act === 'Prelu') return nchw(c.g.node('PRelu', [conv, perChannel(c, c.constant(3))]));
    throw new Error(`${c.node.name}: unsupported fused activation ${act}`);
  },
  DepthwiseConv2dNative(c) {
    const w = c.constant(1);
    const filter = depthwiseFilter(Float32Array.from(w.data), w.shape);
    return nchw(
      c.g.node('Conv', [c.arg(0).name, c.g.floats(filter.data, filter.dims)], {
        ...convAttrs(c),
        group: w.shape[2]!,
      }),
    );
  },
  AddV2: (c) => add(c),
  Add: (c) => add(c),
  Relu: (c) => ({ name: c.g.node('Relu', [c.arg(0).name]), nchw: c.arg(0).nchw }),
  Sigmoid: (c) => ({ name: c.g.node('Sigmoid', [c.arg(0).name]), nchw: c.arg(0).nchw }),
  Prelu: (c) => nchw(c.g.node('PRelu', [c.arg(0).name, perChannel(c, c.constant(1))])),
  MaxPool(c) {
    const k = c.ints('ksize');
    const s = c.ints('strides');
    return nchw(
      c.g.node('MaxPool', [c.arg(0).name], {
        kernel_shape: [k[1]!, k[2]!],
        strides: [s[1]!, s[2]!],
        auto_pad: autoPad(c.str('padding')),
      }),
    );
  },
  Pad(c) {
    const p = Array.from(c.constant(1).data);
    // tf: [[n0, n1], [h0, h1], [w0, w1], [c0, c1]]; ONNX, channels first: begins then ends.
    const [n, h, w, ch] = [0, 1, 2, 3].map((d) => [p[d * 2]!, p[d * 2 + 1]!]) as [number, number][];
    const order = [n, ch, h, w];
    return nchw(
      c.g.node('Pad', [c.arg(0).name, c.g.ints([...order.map((d) => d[0]), ...order.map((d) => d[1])])]),
    );
  },
  Reshape: (c) => plain(c.g.node('Reshape', [c.nhwc(c.arg(0)), c.g.ints(Array.from(c.constant(1).data))])),
  Mean: (c) =>
    plain(
      c.g.node('ReduceMean', [c.nhwc(c.arg(0))], {
        axes: Array.from(c.constant(1).data),
        keepdims: c.node.attr?.keep_dims?.b ? 1 : 0,
      }),
    ),
  Softmax: (c) => plain(c.g.node('Softmax', [c.nhwc(c.arg(0))], { axis: -1 })),
};

function add(c: OpContext): Value {
  const [l, r] = [c.arg(0), c.arg(1)];
  if (l.nchw !== r.nchw) throw new Error(`${c.node.name}: adds tensors of different layouts`);
  return { name: c.g.node('Add', [l.name, r.name]), nchw: l.nchw };
}

/**
 * A tfjs graph model (the feed-forward convolutional kind @vladmandic/human ships: convolutions
 * with fused bias and activation, depthwise convolutions, pooling, padding, reshapes) rewritten
 * as an ONNX model for onnxruntime. Activations run channels-first inside; the input and every
 * output keep tfjs's channels-last layout, so callers see the tensors tfjs would give them.
 * An op outside that set is an error naming it.
 *
 * @param outputs node names to expose (default: the graph's Identity outputs), each named as the node.
 */
export function tfjsGraphToOnnx(
  nodes: TfNode[],
  weights: Map<string, Weight>,
  outputs: string[] = nodes.filter((n) => n.op === 'Identity').map((n) => n.name),
): Uint8Array {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const g = new GraphBuilder('tfjs');
  const values = new Map<string, Value>();
  const inputs: { name: string; dims: (number | string)[] }[] = [];
  const nhwc = (v: Value): string => (v.nchw ? g.node('Transpose', [v.name], { perm: TO_NHWC }) : v.name);

  const convert = (tfName: string): Value => {
    const key = tfName.split(':')[0]!.replace(/^\^/, '');
    const done = values.get(key);
    if (done) return done;
    const node = byName.get(key);
    if (!node) throw new Error(`tfjs graph: no node ${key}`);
    const op = OPS[node.op];
    if (!op) throw new Error(`tfjs graph: unsupported op ${node.op} (${key})`);
    const argName = (k: number): string => {
      const name = node.input?.[k];
      if (name === undefined) throw new Error(`${key}: no argument ${k}`);
      return name;
    };
    const result = op({
      node,
      g,
      arg: (k) => convert(argName(k)),
      constant(k) {
        const name = argName(k);
        const w = weights.get(name);
        if (!w) throw new Error(`tfjs graph: no weight for constant ${name}`);
        return w;
      },
      str: (name) => Buffer.from(node.attr?.[name]?.s ?? '', 'base64').toString(),
      ints: (name) => (node.attr?.[name]?.list?.i ?? []).map(Number),
      nhwc,
      input: (name, dims) => inputs.push({ name, dims }),
    });
    values.set(key, result);
    return result;
  };

  for (const out of outputs) g.node('Identity', [nhwc(convert(out))], undefined, out);
  return encodeModel(
    g.build(
      inputs,
      outputs.map((name) => ({ name })),
    ),
  );
}
