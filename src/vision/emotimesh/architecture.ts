/**
 * EmotiMesh_Net's hyper-parameters, read from the shapes of a state dict so that
 * checkpoints of any width in the seed's family load (SPEC section 3).
 */
import { CheckpointError, type StateDict, type Tensor } from './torch-checkpoint.js';

export interface EmotiMeshArchitecture {
  /** Values per frame (1404 = 468 landmarks x 3). */
  inputSize: number;
  /** Conv1d output channels (C). */
  channels: number;
  kernel: number;
  padding: number;
  /** Length of each channel after conv + max-pool(2, 2). */
  pooledLength: number;
  /** LSTM input width: channels * pooledLength. */
  lstmInput: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  classes: number;
  /** Number of trainable parameters (BN running statistics excluded). */
  parameters: number;
}

/** BatchNorm1d's default; the state dict does not record it. */
export const BN_EPS = 1e-5;

export function tensor(sd: StateDict, key: string, shape?: readonly number[]): Tensor {
  const t = sd.get(key);
  if (!t) throw new CheckpointError(`not an EmotiMesh_Net state dict: tensor "${key}" is missing`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new CheckpointError(
      `tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for this architecture`,
    );
  }
  return t;
}

export function inferArchitecture(sd: StateDict): EmotiMeshArchitecture {
  const inputBn = tensor(sd, 'input_bn.weight');
  if (inputBn.shape.length !== 1) throw new CheckpointError('input_bn.weight must be one-dimensional');
  const inputSize = inputBn.shape[0];
  const conv = tensor(sd, 'conv1.weight');
  if (conv.shape.length !== 3 || conv.shape[1] !== 1) {
    throw new CheckpointError(`conv1.weight has shape [${conv.shape.join(', ')}], expected [C, 1, kernel]`);
  }
  const [channels, , kernel] = conv.shape;
  const wih0 = tensor(sd, 'lstm.weight_ih_l0');
  if (wih0.shape.length !== 2 || wih0.shape[0] % 4 !== 0) {
    throw new CheckpointError(
      `lstm.weight_ih_l0 has shape [${wih0.shape.join(', ')}], expected [4 * hidden, input]`,
    );
  }
  const hidden = wih0.shape[0] / 4;
  const lstmInput = wih0.shape[1];
  if (lstmInput % channels !== 0) {
    throw new CheckpointError(
      `the LSTM input width ${lstmInput} is not a multiple of the ${channels} conv channels`,
    );
  }
  const pooledLength = lstmInput / channels;
  // Stride 1: conv length = inputSize + 2p - kernel + 1, and pooling floors it by 2.
  // Exactly one of the two candidate conv lengths gives an integer padding.
  let padding = -1;
  for (const convLength of [2 * pooledLength, 2 * pooledLength + 1]) {
    const twice = convLength - inputSize + kernel - 1;
    if (twice >= 0 && twice % 2 === 0) padding = twice / 2;
  }
  if (padding < 0) {
    throw new CheckpointError(
      `no conv padding fits kernel ${kernel} and LSTM input ${lstmInput} (${channels} x ${pooledLength}) for ${inputSize} inputs`,
    );
  }
  let layers = 0;
  while (sd.has(`lstm.weight_ih_l${layers}`)) layers++;
  const bidirectional = sd.has('lstm.weight_ih_l0_reverse');
  const directions = bidirectional ? 2 : 1;
  const fc2 = tensor(sd, 'fc2.weight');
  const classes = fc2.shape[0];

  // Validate every shape up front so a mismatched file fails at load, not per request.
  tensor(sd, 'input_bn.bias', [inputSize]);
  tensor(sd, 'input_bn.running_mean', [inputSize]);
  tensor(sd, 'input_bn.running_var', [inputSize]);
  for (let l = 0; l < layers; l++) {
    for (const suffix of bidirectional ? ['', '_reverse'] : ['']) {
      tensor(sd, `lstm.weight_ih_l${l}${suffix}`, [4 * hidden, l === 0 ? lstmInput : directions * hidden]);
      tensor(sd, `lstm.weight_hh_l${l}${suffix}`, [4 * hidden, hidden]);
    }
  }
  tensor(sd, 'fc1.weight', [hidden, directions * hidden]);
  tensor(sd, 'bn_fc1.weight', [hidden]);
  tensor(sd, 'bn_fc1.bias', [hidden]);
  tensor(sd, 'bn_fc1.running_mean', [hidden]);
  tensor(sd, 'bn_fc1.running_var', [hidden]);
  tensor(sd, 'fc2.weight', [classes, hidden]);

  let parameters = 0;
  for (const [key, t] of sd) {
    if (!key.includes('running_') && !key.endsWith('num_batches_tracked')) parameters += t.numel;
  }
  return {
    inputSize,
    channels,
    kernel,
    padding,
    pooledLength,
    lstmInput,
    hidden,
    layers,
    bidirectional,
    classes,
    parameters,
  };
}
