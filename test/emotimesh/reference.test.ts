/**
 * Widths the PyTorch fixtures do not cover: random state dicts built here, run
 * through our ONNX graph and through a plain double-precision implementation of
 * the seed's forward pass (PyTorch semantics: gate order i,f,g,o, eval-mode
 * batch norm, zero-padded conv, floor max-pool, last time step of both
 * directions). Independent of the graph code, so it checks the gate reordering,
 * padding inference and layouts for any shape.
 */
import { describe, expect, it } from 'vitest';
import { emotiMeshFromStateDict, type StateDict, type Tensor } from '../../src/vision/emotimesh/index.js';
import { seededRandom } from '../helpers/random.js';

interface Arch {
  channels: number;
  kernel: number;
  padding: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  classes: number;
}

const N = 1404;
const EPS = 1e-5;

function randomStateDict(arch: Arch, seed: number): StateDict {
  const rand = seededRandom(seed);
  const sd = new Map<string, Tensor>();
  const put = (key: string, shape: number[], gen: () => number) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    sd.set(key, { shape, numel, data: Float32Array.from({ length: numel }, gen) });
  };
  const uniform = (scale: number) => () => (rand() * 2 - 1) * scale;
  const pooled = Math.floor((N + 2 * arch.padding - arch.kernel + 1) / 2);
  const dirs = arch.bidirectional ? 2 : 1;
  put('input_bn.weight', [N], () => 0.5 + rand());
  put('input_bn.bias', [N], uniform(0.1));
  put('input_bn.running_mean', [N], () => rand() * 0.6);
  put('input_bn.running_var', [N], () => 0.05 + rand() * 0.5);
  put('input_bn.num_batches_tracked', [], () => 7);
  put('conv1.weight', [arch.channels, 1, arch.kernel], uniform(1 / Math.sqrt(arch.kernel)));
  put('conv1.bias', [arch.channels], () => rand() * 0.3);
  for (let l = 0; l < arch.layers; l++) {
    const width = l === 0 ? arch.channels * pooled : dirs * arch.hidden;
    for (const suffix of arch.bidirectional ? ['', '_reverse'] : ['']) {
      put(`lstm.weight_ih_l${l}${suffix}`, [4 * arch.hidden, width], uniform(2 / Math.sqrt(width)));
      put(
        `lstm.weight_hh_l${l}${suffix}`,
        [4 * arch.hidden, arch.hidden],
        uniform(1 / Math.sqrt(arch.hidden)),
      );
      put(`lstm.bias_ih_l${l}${suffix}`, [4 * arch.hidden], uniform(0.5));
      put(`lstm.bias_hh_l${l}${suffix}`, [4 * arch.hidden], uniform(0.5));
    }
  }
  put('fc1.weight', [arch.hidden, dirs * arch.hidden], uniform(1 / Math.sqrt(dirs * arch.hidden)));
  put('fc1.bias', [arch.hidden], uniform(0.1));
  put('bn_fc1.weight', [arch.hidden], () => 0.5 + rand());
  put('bn_fc1.bias', [arch.hidden], () => rand() * 0.3);
  put('bn_fc1.running_mean', [arch.hidden], () => rand() * 0.02);
  put('bn_fc1.running_var', [arch.hidden], () => 0.005 + rand() * 0.02);
  put('bn_fc1.num_batches_tracked', [], () => 7);
  put('fc2.weight', [arch.classes, arch.hidden], uniform(1 / Math.sqrt(arch.hidden)));
  put('fc2.bias', [arch.classes], uniform(0.1));
  return sd;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** y = W x + b for a [rows, cols] row-major W. */
function affine(
  w: Float32Array,
  b: Float32Array | null,
  x: ArrayLike<number>,
  rows: number,
  cols: number,
): number[] {
  const y = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    let s = b ? b[r] : 0;
    for (let c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
    y[r] = s;
  }
  return y;
}

function referenceForward(sd: StateDict, arch: Arch, x: Float32Array, steps: number): number[] {
  const g = (k: string) => sd.get(k)!.data;
  const { channels: C, kernel: K, padding: P, hidden: H } = arch;
  const convLength = N + 2 * P - K + 1;
  const L = Math.floor(convLength / 2);
  let seq: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const v = Array.from({ length: N }, (_, i) => {
      const xi = x[t * N + i];
      return (
        ((xi - g('input_bn.running_mean')[i]) / Math.sqrt(g('input_bn.running_var')[i] + EPS)) *
          g('input_bn.weight')[i] +
        g('input_bn.bias')[i]
      );
    });
    const feat: number[] = [];
    for (let c = 0; c < C; c++) {
      const conv = new Array<number>(convLength);
      for (let i = 0; i < convLength; i++) {
        let s = g('conv1.bias')[c];
        for (let k = 0; k < K; k++) {
          const src = i + k - P;
          if (src >= 0 && src < N) s += g('conv1.weight')[c * K + k] * v[src];
        }
        conv[i] = Math.max(0, s);
      }
      for (let j = 0; j < L; j++) feat.push(Math.max(conv[2 * j], conv[2 * j + 1]));
    }
    seq.push(feat);
  }
  for (let l = 0; l < arch.layers; l++) {
    const width = seq[0].length;
    const outs: number[][] = seq.map(() => []);
    for (const suffix of arch.bidirectional ? ['', '_reverse'] : ['']) {
      const tag = `l${l}${suffix}`;
      let h = new Array<number>(H).fill(0);
      let c = new Array<number>(H).fill(0);
      const order = [...seq.keys()];
      if (suffix) order.reverse();
      for (const t of order) {
        const a = affine(g(`lstm.weight_ih_${tag}`), g(`lstm.bias_ih_${tag}`), seq[t], 4 * H, width);
        const b = affine(g(`lstm.weight_hh_${tag}`), g(`lstm.bias_hh_${tag}`), h, 4 * H, H);
        const gate = a.map((v, i) => v + b[i]);
        c = c.map((cv, j) => sigmoid(gate[H + j]) * cv + sigmoid(gate[j]) * Math.tanh(gate[2 * H + j]));
        h = c.map((cv, j) => sigmoid(gate[3 * H + j]) * Math.tanh(cv));
        outs[t].push(...h);
      }
    }
    seq = outs;
  }
  const last = seq[steps - 1];
  const dirs = arch.bidirectional ? 2 : 1;
  const fc1 = affine(g('fc1.weight'), g('fc1.bias'), last, H, dirs * H).map((v, i) =>
    Math.max(
      0,
      ((v - g('bn_fc1.running_mean')[i]) / Math.sqrt(g('bn_fc1.running_var')[i] + EPS)) *
        g('bn_fc1.weight')[i] +
        g('bn_fc1.bias')[i],
    ),
  );
  return affine(g('fc2.weight'), g('fc2.bias'), fc1, arch.classes, H);
}

const ARCHS: Arch[] = [
  { channels: 3, kernel: 4, padding: 1, hidden: 5, layers: 2, bidirectional: true, classes: 5 },
  { channels: 2, kernel: 7, padding: 5, hidden: 3, layers: 1, bidirectional: false, classes: 5 },
  { channels: 1, kernel: 1, padding: 0, hidden: 6, layers: 3, bidirectional: true, classes: 7 },
  { channels: 4, kernel: 6, padding: 3, hidden: 4, layers: 2, bidirectional: false, classes: 5 },
];

describe('EmotiMesh_Net on widths not in the PyTorch fixtures', () => {
  ARCHS.forEach((arch, n) => {
    it(`C=${arch.channels} k=${arch.kernel} p=${arch.padding} H=${arch.hidden} layers=${arch.layers} ${arch.bidirectional ? 'bi' : 'uni'}directional, ${arch.classes} classes`, async () => {
      const sd = randomStateDict(arch, 1000 + n);
      const model = await emotiMeshFromStateDict(sd, { threads: 1 });
      try {
        expect(model.info.architecture).toMatchObject(arch);
        const rand = seededRandom(2000 + n);
        const steps = 1 + n;
        const inputs = [0, 1].map(() =>
          Float32Array.from({ length: steps * N }, () => Math.round(rand() * 1000) / 1000),
        );
        const out = await model.forward(inputs, steps);
        const refs = inputs.map((x) => referenceForward(sd, arch, x, steps));
        // The case must be sensitive to its input, or agreement proves nothing.
        expect(Math.max(...refs[0].map((v, j) => Math.abs(v - refs[1][j])))).toBeGreaterThan(1e-3);
        refs.forEach((ref, b) =>
          ref.forEach((v, j) => expect(Math.abs(out.logits[b][j] - v)).toBeLessThan(1e-4)),
        );
      } finally {
        await model.dispose();
      }
    });
  });
});
