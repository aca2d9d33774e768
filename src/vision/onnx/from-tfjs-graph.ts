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
  /** ONNX value of each converted tf node, and whether it is a channels-first activation. */
  const values = new Map<string, { name: string; nchw: boolean }>();
  const inputs: { name: string; dims: (number | string)[] }[] = [];

  const constant = (name: string): Weight => {
    const w = weights.get(name);
    if (!w) throw new Error(`tfjs graph: no weight for constant ${name}`);
    return w;
  };
  const floats = (w: Weight, dims = w.shape): string => g.floats(Float32Array.from(w.data), dims);
  const ints = (a: TfAttr | undefined): number[] => (a?.list?.i ?? []).map(Number);
  const str = (a: TfAttr | undefined): string => Buffer.from(a?.s ?? '', 'base64').toString();
  /** A per-channel vector (bias, PReLU slope) broadcast over a channels-first activation. */
  const perChannel = (w: Weight): string => g.floats(Float32Array.from(w.data), [w.data.length, 1, 1]);

  const nhwc = (v: { name: string; nchw: boolean }): string =>
    v.nchw ? g.node('Transpose', [v.name], { perm: TO_NHWC }) : v.name;

  const convert = (tfName: string): { name: string; nchw: boolean } => {
    const key = tfName.split(':')[0]!.replace(/^\^/, '');
    const done = values.get(key);
    if (done) return done;
    const node = byName.get(key);
    if (!node) throw new Error(`tfjs graph: no node ${key}`);
    const args = node.input ?? [];
    const a = node.attr ?? {};
    const x = (): { name: string; nchw: boolean } => convert(args[0]!);
    let result: { name: string; nchw: boolean };
    switch (node.op) {
      case 'Placeholder': {
        const dims = (a.shape?.shape?.dim ?? []).map((d) => (Number(d.size) < 0 ? 'N' : Number(d.size)));
        inputs.push({ name: node.name, dims });
        result =
          dims.length === 4
            ? { name: g.node('Transpose', [node.name], { perm: TO_NCHW }), nchw: true }
            : { name: node.name, nchw: false };
        break;
      }
      case 'Identity':
        result = x();
        break;
      case '_FusedConv2D': {
        if (str(a.data_format) !== 'NHWC') throw new Error(`${key}: data format ${str(a.data_format)}`);
        const fused = (a.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
        if (fused[0] !== 'BiasAdd') throw new Error(`${key}: fused ops ${fused.join()}`);
        const w = constant(args[1]!);
        const filter = convFilter(Float32Array.from(w.data), w.shape);
        const conv = g.node(
          'Conv',
          [x().name, g.floats(filter.data, filter.dims), floats(constant(args[2]!))],
          {
            ...convAttrs(ints(a.strides), ints(a.dilations), str(a.padding)),
          },
        );
        result = {
          name: activation(g, conv, fused.slice(1), () => perChannel(constant(args[3]!)), key),
          nchw: true,
        };
        break;
      }
      case 'DepthwiseConv2dNative': {
        const w = constant(args[1]!);
        const filter = depthwiseFilter(Float32Array.from(w.data), w.shape);
        result = {
          name: g.node('Conv', [x().name, g.floats(filter.data, filter.dims)], {
            ...convAttrs(ints(a.strides), ints(a.dilations), str(a.padding)),
            group: w.shape[2]!,
          }),
          nchw: true,
        };
        break;
      }
      case 'AddV2':
      case 'Add': {
        const [l, r] = [convert(args[0]!), convert(args[1]!)];
        if (l.nchw !== r.nchw) throw new Error(`${key}: adds tensors of different layouts`);
        result = { name: g.node('Add', [l.name, r.name]), nchw: l.nchw };
        break;
      }
      case 'Relu':
      case 'Sigmoid':
        result = { name: g.node(node.op, [x().name]), nchw: x().nchw };
        break;
      case 'Prelu':
        result = { name: g.node('PRelu', [x().name, perChannel(constant(args[1]!))]), nchw: true };
        break;
      case 'MaxPool': {
        const k = ints(a.ksize);
        const s = ints(a.strides);
        result = {
          name: g.node('MaxPool', [x().name], {
            kernel_shape: [k[1]!, k[2]!],
            strides: [s[1]!, s[2]!],
            auto_pad: autoPad(str(a.padding)),
          }),
          nchw: true,
        };
        break;
      }
      case 'Pad': {
        const p = Array.from(constant(args[1]!).data);
        // tf: [[n0, n1], [h0, h1], [w0, w1], [c0, c1]]; ONNX, channels first: begins then ends.
        const [n, h, w, c] = [0, 1, 2, 3].map((d) => [p[d * 2]!, p[d * 2 + 1]!]) as [number, number][];
        const order = [n, c, h, w];
        result = {
          name: g.node('Pad', [x().name, g.ints([...order.map((d) => d[0]), ...order.map((d) => d[1])])]),
          nchw: true,
        };
        break;
      }
      case 'Reshape':
        result = {
          name: g.node('Reshape', [nhwc(x()), g.ints(Array.from(constant(args[1]!).data))]),
          nchw: false,
        };
        break;
      case 'Mean':
        result = {
          name: g.node('ReduceMean', [nhwc(x())], {
            axes: Array.from(constant(args[1]!).data),
            keepdims: a.keep_dims?.b ? 1 : 0,
          }),
          nchw: false,
        };
        break;
      case 'Softmax':
        result = { name: g.node('Softmax', [nhwc(x())], { axis: -1 }), nchw: false };
        break;
      default:
        throw new Error(`tfjs graph: unsupported op ${node.op} (${key})`);
    }
    values.set(key, result);
    return result;
  };

  for (const out of outputs) {
    const v = convert(out);
    g.node('Identity', [nhwc(v)], undefined, out);
  }
  return encodeModel(
    g.build(
      inputs,
      outputs.map((name) => ({ name })),
    ),
  );
}

function convAttrs(
  strides: number[],
  dilations: number[],
  padding: string,
): Record<string, string | number[]> {
  return {
    strides: [strides[1] ?? 1, strides[2] ?? 1],
    dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
    auto_pad: autoPad(padding),
  };
}

/** The activation fused after a convolution's bias. */
function activation(g: GraphBuilder, x: string, ops: string[], slope: () => string, node: string): string {
  if (ops.length === 0) return x;
  if (ops.length === 1 && ops[0] === 'Relu') return g.node('Relu', [x]);
  if (ops.length === 1 && ops[0] === 'Prelu') return g.node('PRelu', [x, slope()]);
  throw new Error(`${node}: unsupported fused activation ${ops.join()}`);
}
