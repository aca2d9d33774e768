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

export function buildEmotiMeshGraph(
  sd: StateDict,
  arch: EmotiMeshArchitecture,
  options: GraphOptions = {},
): EmotiMeshGraph {
  const { inputSize, channels, kernel, padding, lstmInput, hidden, layers, bidirectional, classes } = arch;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const weightInputs: EmotiMeshGraph['weightInputs'] = [];
  const H4 = 4 * hidden;
  const directions = bidirectional ? ['', '_reverse'] : [''];
  const outWidth = directions.length * hidden;

  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    initializers.push({ name, dims, data });
    return name;
  };
  const ints = (name: string, values: number[]): string =>
    init(name, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  const node = (
    op: string,
    inputs: string[],
    output: string,
    attributes?: OnnxNode['attributes'],
  ): string => {
    nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  };
  const int = (value: number) => ({ kind: 'int', value }) as const;
  const intList = (value: number[]) => ({ kind: 'ints', value }) as const;

  // Batch size from the input's shape, for the reshapes below.
  const shape = node('Shape', [GRAPH_INPUT], 'x_shape');
  const batch = node('Slice', [shape, ints('c_0', [0]), ints('c_1', [1])], 'batch');

  // Input BatchNorm per frame: broadcast over [B, T, N].
  const inBn = foldBatchNorm(sd, 'input_bn');
  let y = node('Mul', [GRAPH_INPUT, init('in_bn_scale', [inputSize], inBn.scale)], 'in_bn_mul');
  y = node('Add', [y, init('in_bn_shift', [inputSize], inBn.shift)], 'in_bn');

  // Conv1d over the 1404 values of each frame as a 1-channel signal.
  y = node('Reshape', [y, ints('shape_frames', [-1, 1, inputSize])], 'frames');
  const convWeight = tensor(sd, 'conv1.weight').data;
  y = node(
    'Conv',
    [
      y,
      init('conv_w', [channels, 1, kernel], convWeight),
      init('conv_b', [channels], optional(sd, 'conv1.bias', channels)),
    ],
    'conv',
    { kernel_shape: intList([kernel]), pads: intList([padding, padding]), strides: intList([1]) },
  );
  y = node('Relu', [y], 'conv_relu');
  y = node('MaxPool', [y], 'pool', { kernel_shape: intList([2]), strides: intList([2]) });

  // [B*T, C, L] -> [B, T, C*L] -> time-major rows [T*B, C*L] (row = t * B + b).
  const shapeBT = node('Concat', [batch, ints('c_m1', [-1]), ints('c_lstm_in', [lstmInput])], 'shape_bt', {
    axis: int(0),
  });
  y = node('Reshape', [y, shapeBT], 'seq');
  y = node('Transpose', [y], 'seq_t', { perm: intList([1, 0, 2]) });
  y = node('Reshape', [y, ints('shape_rows0', [-1, lstmInput])], 'rows_l0');

  const shapeGates = node('Concat', ['c_m1', batch, ints('c_4h', [H4])], 'shape_gates', { axis: int(0) });
  const permutation = new Float32Array(H4 * H4);
  ONNX_FROM_TORCH_GATE.forEach((src, dst) => {
    for (let j = 0; j < hidden; j++) permutation[(dst * hidden + j) * H4 + src * hidden + j] = 1;
  });
  init('gate_perm', [1, H4, H4], permutation);

  let lastY = '';
  for (let l = 0; l < layers; l++) {
    const width = l === 0 ? lstmInput : outWidth;
    const outputs: string[] = [];
    for (const suffix of directions) {
      const tag = `l${l}${suffix}`;
      const wih = tensor(sd, `lstm.weight_ih_${tag}`);
      const wName = `w_ih_${tag}`;
      if (l > 0) {
        init(wName, [H4, width], wih.data);
      } else if (options.externalFile && wih.fileRange) {
        initializers.push({
          name: wName,
          dims: [H4, width],
          external: { location: options.externalFile, ...wih.fileRange },
        });
      } else {
        weightInputs.push({ name: wName, dims: [H4, width], data: wih.data });
      }
      let gates = node('Gemm', [y, wName], `gates_${tag}`, { transB: int(1) });
      gates = node('Reshape', [gates, shapeGates], `gates3_${tag}`);
      const whh = tensor(sd, `lstm.weight_hh_${tag}`).data;
      const bias = new Float32Array(2 * H4);
      bias.set(reorderGates(optional(sd, `lstm.bias_ih_${tag}`, H4), hidden, 1), 0);
      bias.set(reorderGates(optional(sd, `lstm.bias_hh_${tag}`, H4), hidden, 1), H4);
      const out = `lstm_${tag}`;
      nodes.push({
        op: 'LSTM',
        inputs: [
          gates,
          'gate_perm',
          init(`r_${tag}`, [1, H4, hidden], reorderGates(whh, hidden, hidden)),
          init(`b_${tag}`, [1, 2 * H4], bias),
        ],
        outputs: [out],
        attributes: {
          hidden_size: int(hidden),
          direction: { kind: 'string', value: suffix ? 'reverse' : 'forward' },
        },
      });
      outputs.push(out);
    }
    // Y is [T, 1, B, H] per direction; both directions side by side as PyTorch does.
    lastY = outputs.length > 1 ? node('Concat', outputs, `lstm_l${l}_y`, { axis: int(3) }) : outputs[0];
    y = node('Reshape', [lastY, ints(`shape_rows${l + 1}`, [-1, outWidth])], `rows_l${l + 1}`);
  }

  // Output at the last time step: [B, directions * H].
  const last = node('Gather', [lastY, init('c_last', [], BigInt64Array.of(-1n))], 'last_step', {
    axis: int(0),
  });
  y = node('Reshape', [last, ints('shape_last', [-1, outWidth])], 'last');

  y = node(
    'Gemm',
    [
      y,
      init('fc1_w', [hidden, outWidth], tensor(sd, 'fc1.weight').data),
      init('fc1_b', [hidden], optional(sd, 'fc1.bias', hidden)),
    ],
    'fc1',
    { transB: int(1) },
  );
  const fcBn = foldBatchNorm(sd, 'bn_fc1');
  y = node('Mul', [y, init('fc_bn_scale', [hidden], fcBn.scale)], 'fc_bn_mul');
  y = node('Add', [y, init('fc_bn_shift', [hidden], fcBn.shift)], 'fc_bn');
  y = node('Relu', [y], 'fc_relu');
  node(
    'Gemm',
    [
      y,
      init('fc2_w', [classes, hidden], tensor(sd, 'fc2.weight').data),
      init('fc2_b', [classes], optional(sd, 'fc2.bias', classes)),
    ],
    GRAPH_OUTPUT,
    { transB: int(1) },
  );

  const model = writeOnnxModel({
    name: 'EmotiMesh_Net',
    opset: 17,
    nodes,
    initializers,
    inputs: [
      { name: GRAPH_INPUT, type: OnnxDataType.Float, dims: ['batch', 'steps', inputSize] },
      ...weightInputs.map((w) => ({ name: w.name, type: OnnxDataType.Float, dims: w.dims })),
    ],
    outputs: [{ name: GRAPH_OUTPUT, type: OnnxDataType.Float, dims: ['batch', classes] }],
  });
  return { model, weightInputs };
}
