/**
 * Builds EmotiMesh_Net (eval mode) as an ONNX graph from a state dict.
 *
 * Why this shape of graph: the full-size network's cost is the LSTM layer-0
 * input projection (two 768 x 89728 matrices, 552 MB). We compute it for all
 * time steps as one Gemm per direction with the PyTorch weight used as is
 * (`transB`), so those weights never need rewriting: when the checkpoint is a
 * file they are ONNX *external data* pointing into the .pth itself, which
 * onnxruntime memory-maps (load in a fraction of a second, memory = the file's
 * pages); otherwise they are graph *inputs* fed from our buffers on every run.
 * Either way onnxruntime neither copies nor pre-packs them (the session runs
 * with pre-packing disabled), and a forward pass is one streaming read.
 *
 * The recurrence runs in ONNX's LSTM operator on the projected gates. ONNX
 * orders gates i,o,f,c where PyTorch uses i,f,g,o, so the LSTM's own input
 * weight is a permutation matrix (exact: products with 1 and sums with 0), and
 * the recurrent weights and biases are reordered here.
 */
import { BN_EPS, tensor, type EmotiMeshArchitecture } from './architecture.js';
import { OnnxDataType, writeOnnxModel, type OnnxNode, type OnnxTensor } from './onnx-writer.js';
import type { StateDict } from './torch-checkpoint.js';

export const GRAPH_INPUT = 'x';
export const GRAPH_OUTPUT = 'logits';

export interface GraphOptions {
  /** The checkpoint's file name, when weights may be mapped from it (see SESSION_CONFIG). */
  externalFile?: string;
}

export interface EmotiMeshGraph {
  model: Uint8Array;
  /** Weights to feed on every run (name -> tensor viewing the checkpoint). */
  weightInputs: { name: string; dims: number[]; data: Float32Array }[];
}

/** PyTorch gate block (i,f,g,o) that fills each ONNX gate block (i,o,f,c). */
const ONNX_FROM_TORCH_GATE = [0, 3, 1, 2];

function reorderGates(data: Float32Array, hidden: number, rowWidth: number): Float32Array {
  const out = new Float32Array(data.length);
  const block = hidden * rowWidth;
  ONNX_FROM_TORCH_GATE.forEach((src, dst) =>
    out.set(data.subarray(src * block, (src + 1) * block), dst * block),
  );
  return out;
}

function optional(sd: StateDict, key: string, length: number): Float32Array {
  return sd.get(key)?.data ?? new Float32Array(length);
}

/** y = x * scale + shift with BatchNorm's running statistics folded in. */
function foldBatchNorm(sd: StateDict, prefix: string): { scale: Float32Array; shift: Float32Array } {
  const weight = tensor(sd, `${prefix}.weight`).data;
  const bias = tensor(sd, `${prefix}.bias`).data;
  const mean = tensor(sd, `${prefix}.running_mean`).data;
  const variance = tensor(sd, `${prefix}.running_var`).data;
  const scale = new Float32Array(weight.length);
  const shift = new Float32Array(weight.length);
  for (let i = 0; i < weight.length; i++) {
    scale[i] = weight[i] / Math.sqrt(variance[i] + BN_EPS);
    shift[i] = bias[i] - mean[i] * scale[i];
  }
  return { scale, shift };
}

const int = (value: number) => ({ kind: 'int', value }) as const;
const intList = (value: number[]) => ({ kind: 'ints', value }) as const;

/** The graph being written: its nodes, initializers and fed weights, in the order they are added. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly weightInputs: EmotiMeshGraph['weightInputs'] = [];

  init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.init(name, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  node(op: string, inputs: string[], output: string, attributes?: OnnxNode['attributes']): string {
    this.nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  }
}

/**
 * The input BatchNorm, the Conv1d over each frame's values and its pooling, reshaped into the
 * LSTM's time-major rows [T*B, C*L] (row = t * B + b). Returns the rows and the batch size node.
 */
function frameStage(
  g: GraphBuilder,
  sd: StateDict,
  arch: EmotiMeshArchitecture,
): { rows: string; batch: string } {
  const { inputSize, channels, kernel, padding, lstmInput } = arch;
  // Batch size from the input's shape, for the reshapes below.
  const shape = g.node('Shape', [GRAPH_INPUT], 'x_shape');
  const batch = g.node('Slice', [shape, g.ints('c_0', [0]), g.ints('c_1', [1])], 'batch');

  // Input BatchNorm per frame: broadcast over [B, T, N].
  const inBn = foldBatchNorm(sd, 'input_bn');
  let y = g.node('Mul', [GRAPH_INPUT, g.init('in_bn_scale', [inputSize], inBn.scale)], 'in_bn_mul');
  y = g.node('Add', [y, g.init('in_bn_shift', [inputSize], inBn.shift)], 'in_bn');

  // Conv1d over the 1404 values of each frame as a 1-channel signal.
  y = g.node('Reshape', [y, g.ints('shape_frames', [-1, 1, inputSize])], 'frames');
  const convWeight = tensor(sd, 'conv1.weight').data;
  y = g.node(
    'Conv',
    [
      y,
      g.init('conv_w', [channels, 1, kernel], convWeight),
      g.init('conv_b', [channels], optional(sd, 'conv1.bias', channels)),
    ],
    'conv',
    { kernel_shape: intList([kernel]), pads: intList([padding, padding]), strides: intList([1]) },
  );
  y = g.node('Relu', [y], 'conv_relu');
  y = g.node('MaxPool', [y], 'pool', { kernel_shape: intList([2]), strides: intList([2]) });

  // [B*T, C, L] -> [B, T, C*L] -> time-major rows [T*B, C*L] (row = t * B + b).
  const shapeBT = g.node(
    'Concat',
    [batch, g.ints('c_m1', [-1]), g.ints('c_lstm_in', [lstmInput])],
    'shape_bt',
    {
      axis: int(0),
    },
  );
  y = g.node('Reshape', [y, shapeBT], 'seq');
  y = g.node('Transpose', [y], 'seq_t', { perm: intList([1, 0, 2]) });
  return { rows: g.node('Reshape', [y, g.ints('shape_rows0', [-1, lstmInput])], 'rows_l0'), batch };
}

/** The gate permutation the LSTM operator reads its projected input through (ONNX gate order). */
function gatePermutation(g: GraphBuilder, hidden: number): string {
  const H4 = 4 * hidden;
  const permutation = new Float32Array(H4 * H4);
  ONNX_FROM_TORCH_GATE.forEach((src, dst) => {
    for (let j = 0; j < hidden; j++) permutation[(dst * hidden + j) * H4 + src * hidden + j] = 1;
  });
  return g.init('gate_perm', [1, H4, H4], permutation);
}

/**
 * Layer `l`'s input projection weight: an initializer (upper layers), external data in the
 * checkpoint file (layer 0, when mapped), or a graph input fed on every run (layer 0 otherwise).
 */
function inputWeight(
  g: GraphBuilder,
  sd: StateDict,
  tag: string,
  l: number,
  dims: number[],
  options: GraphOptions,
): string {
  const wih = tensor(sd, `lstm.weight_ih_${tag}`);
  const wName = `w_ih_${tag}`;
  if (l > 0) {
    g.init(wName, dims, wih.data);
  } else if (options.externalFile && wih.fileRange) {
    g.initializers.push({
      name: wName,
      dims,
      external: { location: options.externalFile, ...wih.fileRange },
    });
  } else {
    g.weightInputs.push({ name: wName, dims, data: wih.data });
  }
  return wName;
}

/** One direction of one LSTM layer: the projection Gemm over all steps, then the recurrence. */
function lstmDirection(
  g: GraphBuilder,
  sd: StateDict,
  hidden: number,
  step: { rows: string; tag: string; reverse: boolean; weight: string; shapeGates: string },
): string {
  const H4 = 4 * hidden;
  const { tag } = step;
  let gates = g.node('Gemm', [step.rows, step.weight], `gates_${tag}`, { transB: int(1) });
  gates = g.node('Reshape', [gates, step.shapeGates], `gates3_${tag}`);
  const whh = tensor(sd, `lstm.weight_hh_${tag}`).data;
  const bias = new Float32Array(2 * H4);
  bias.set(reorderGates(optional(sd, `lstm.bias_ih_${tag}`, H4), hidden, 1), 0);
  bias.set(reorderGates(optional(sd, `lstm.bias_hh_${tag}`, H4), hidden, 1), H4);
  const out = `lstm_${tag}`;
  g.nodes.push({
    op: 'LSTM',
    inputs: [
      gates,
      'gate_perm',
      g.init(`r_${tag}`, [1, H4, hidden], reorderGates(whh, hidden, hidden)),
      g.init(`b_${tag}`, [1, 2 * H4], bias),
    ],
    outputs: [out],
    attributes: {
      hidden_size: int(hidden),
      direction: { kind: 'string', value: step.reverse ? 'reverse' : 'forward' },
    },
  });
  return out;
}

/** The stacked (bi)LSTM over the rows; returns the last layer's Y ([T, 1, B, H] per direction, side by side). */
function lstmStage(
  g: GraphBuilder,
  sd: StateDict,
  arch: EmotiMeshArchitecture,
  input: { rows: string; batch: string },
  options: GraphOptions,
): string {
  const { lstmInput, hidden, layers, bidirectional } = arch;
  const H4 = 4 * hidden;
  const directions = bidirectional ? ['', '_reverse'] : [''];
  const outWidth = directions.length * hidden;
  const shapeGates = g.node('Concat', ['c_m1', input.batch, g.ints('c_4h', [H4])], 'shape_gates', {
    axis: int(0),
  });
  gatePermutation(g, hidden);
  let rows = input.rows;
  let lastY = '';
  for (let l = 0; l < layers; l++) {
    const width = l === 0 ? lstmInput : outWidth;
    const outputs = directions.map((suffix) => {
      const tag = `l${l}${suffix}`;
      const weight = inputWeight(g, sd, tag, l, [H4, width], options);
      return lstmDirection(g, sd, hidden, { rows, tag, reverse: suffix !== '', weight, shapeGates });
    });
    // Y is [T, 1, B, H] per direction; both directions side by side as PyTorch does.
    lastY = outputs.length > 1 ? g.node('Concat', outputs, `lstm_l${l}_y`, { axis: int(3) }) : outputs[0];
    rows = g.node('Reshape', [lastY, g.ints(`shape_rows${l + 1}`, [-1, outWidth])], `rows_l${l + 1}`);
  }
  return lastY;
}

/** The last time step's output through fc1, its folded BatchNorm, ReLU and fc2: the logits. */
function headStage(g: GraphBuilder, sd: StateDict, arch: EmotiMeshArchitecture, lastY: string): void {
  const { hidden, bidirectional, classes } = arch;
  const outWidth = (bidirectional ? 2 : 1) * hidden;
  // Output at the last time step: [B, directions * H].
  const last = g.node('Gather', [lastY, g.init('c_last', [], BigInt64Array.of(-1n))], 'last_step', {
    axis: int(0),
  });
  let y = g.node('Reshape', [last, g.ints('shape_last', [-1, outWidth])], 'last');
  y = g.node(
    'Gemm',
    [
      y,
      g.init('fc1_w', [hidden, outWidth], tensor(sd, 'fc1.weight').data),
      g.init('fc1_b', [hidden], optional(sd, 'fc1.bias', hidden)),
    ],
    'fc1',
    { transB: int(1) },
  );
  const fcBn = foldBatchNorm(sd, 'bn_fc1');
  y = g.node('Mul', [y, g.init('fc_bn_scale', [hidden], fcBn.scale)], 'fc_bn_mul');
  y = g.node('Add', [y, g.init('fc_bn_shift', [hidden], fcBn.shift)], 'fc_bn');
  y = g.node('Relu', [y], 'fc_relu');
  g.node(
    'Gemm',
    [
      y,
      g.init('fc2_w', [classes, hidden], tensor(sd, 'fc2.weight').data),
      g.init('fc2_b', [classes], optional(sd, 'fc2.bias', classes)),
    ],
    GRAPH_OUTPUT,
    { transB: int(1) },
  );
}

export function buildEmotiMeshGraph(
  sd: StateDict,
  arch: EmotiMeshArchitecture,
  options: GraphOptions = {},
): EmotiMeshGraph {
  const g = new GraphBuilder();
  const input = frameStage(g, sd, arch);
  headStage(g, sd, arch, lstmStage(g, sd, arch, input, options));
  const model = writeOnnxModel({
    name: 'EmotiMesh_Net',
    opset: 17,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [
      { name: GRAPH_INPUT, type: OnnxDataType.Float, dims: ['batch', 'steps', arch.inputSize] },
      ...g.weightInputs.map((w) => ({ name: w.name, type: OnnxDataType.Float, dims: w.dims })),
    ],
    outputs: [{ name: GRAPH_OUTPUT, type: OnnxDataType.Float, dims: ['batch', arch.classes] }],
  });
  return { model, weightInputs: g.weightInputs };
}
