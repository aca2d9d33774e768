import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildSeedInput,
  inspectEmotiMesh,
  loadEmotiMesh,
  softmax,
} from '../../src/vision/emotimesh/index.js';
import { bufferSource, ZipArchive } from '../../src/vision/emotimesh/zip-reader.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'emotimesh');

interface Case {
  steps: number;
  inputs: number[][][];
  logits: number[][];
  probabilities: number[][];
  onnx?: 'fixed' | 'dynamic';
}

const VARIANTS = ['v1-c1-k7-p2-h4-l2', 'v2-c2-k5-p0-h2-l1', 'v3-c1-k3-p1-h3-l3', 'v4-c1-k9-p4-h2-l1-half'];

function readCase(name: string): Case {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Case;
}

function flatten(c: Case): Float32Array[] {
  return c.inputs.map((seq) => Float32Array.from(seq.flat()));
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
}

describe('EmotiMesh_Net matches PyTorch', () => {
  for (const name of VARIANTS) {
    const c = readCase(name);
    it(`${name}.pth: logits within 1e-4 of PyTorch`, async () => {
      const model = await loadEmotiMesh(join(FIXTURES, `${name}.pth`), { threads: 1 });
      try {
        expect(model.kind).toBe('pth');
        const out = await model.forward(flatten(c), c.steps);
        expect(maxDiff(out.logits, c.logits)).toBeLessThan(1e-4);
        expect(maxDiff(out.probabilities, c.probabilities)).toBeLessThan(1e-4);
        // Sequences of one batch are independent of each other.
        const single = await model.forward(flatten(c).slice(-1), c.steps);
        expect(maxDiff(single.logits, c.logits.slice(-1))).toBeLessThan(1e-4);
      } finally {
        await model.dispose();
      }
    });
    if (c.onnx) {
      it(`${name}.onnx (${c.onnx} T): logits within 1e-4 of PyTorch`, async () => {
        const model = await loadEmotiMesh(join(FIXTURES, `${name}.onnx`), { threads: 1 });
        try {
          expect(model.kind).toBe('onnx');
          expect(model.info.steps).toBe(c.onnx === 'fixed' ? c.steps : undefined);
          const out = await model.forward(flatten(c), c.steps);
          expect(maxDiff(out.logits, c.logits)).toBeLessThan(1e-4);
        } finally {
          await model.dispose();
        }
      });
    }
  }

  it('the same checkpoint gives the same logits as its ONNX export for any T', async () => {
    const c = readCase('v3-c1-k3-p1-h3-l3');
    const pth = await loadEmotiMesh(join(FIXTURES, 'v3-c1-k3-p1-h3-l3.pth'));
    const onnx = await loadEmotiMesh(join(FIXTURES, 'v3-c1-k3-p1-h3-l3.onnx'));
    try {
      const x = flatten(c)[0];
      for (const steps of [1, 2, 3]) {
        const part = x.subarray(0, steps * 1404);
        const [a, b] = await Promise.all([pth.forward([part], steps), onnx.forward([part], steps)]);
        expect(maxDiff(a.logits, b.logits)).toBeLessThan(1e-5);
      }
    } finally {
      await pth.dispose();
      await onnx.dispose();
    }
  });

  it('rejects inputs of the wrong size and a fixed-T model run with another T', async () => {
    const pth = await loadEmotiMesh(join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'));
    const onnx = await loadEmotiMesh(join(FIXTURES, 'v1-c1-k7-p2-h4-l2.onnx'));
    try {
      await expect(pth.forward([new Float32Array(1403)], 1)).rejects.toThrow(/expected 1 x 1404/);
      await expect(pth.forward([], 1)).rejects.toThrow(/no input/);
      await expect(onnx.forward([new Float32Array(1404 * 3)], 3)).rejects.toThrow(
        /exported for sequences of 15 frames/,
      );
    } finally {
      await pth.dispose();
      await onnx.dispose();
    }
    await expect(pth.forward([new Float32Array(1404)], 1)).rejects.toThrow(/disposed/);
  });

  it('refuses files that are not models, with the reason', async () => {
    await expect(loadEmotiMesh(join(FIXTURES, 'not-a-model.onnx'))).rejects.toThrow(
      /not a loadable ONNX model/,
    );
    await expect(loadEmotiMesh(join(FIXTURES, 'forbidden-global.pth'))).rejects.toThrow(/posix\.system/);
    await expect(loadEmotiMesh(join(FIXTURES, 'truncated.pth'))).rejects.toThrow(/truncated/);
    await expect(loadEmotiMesh(join(FIXTURES, 'missing.pth'))).rejects.toThrow(/ENOENT/);
  });

  it('inspection catches a flipped byte inside the weights by CRC', async () => {
    const buf = readFileSync(join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'));
    const zip = new ZipArchive(bufferSource(buf));
    const name = [...zip.entries.keys()].find((n) => zip.entries.get(n)!.size > 10_000)!;
    buf[zip.locate(name).offset + 100] ^= 0x40;
    const dir = mkdtempSync(join(tmpdir(), 'emotimesh-crc-'));
    try {
      writeFileSync(join(dir, 'damaged.pth'), buf);
      await expect(inspectEmotiMesh(join(dir, 'damaged.pth'))).rejects.toThrow(
        /damaged checkpoint: .* fails its CRC check/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inspects a checkpoint without starting a session', async () => {
    const info = await inspectEmotiMesh(join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'));
    expect(info.architecture).toMatchObject({ channels: 2, kernel: 5, padding: 0, hidden: 2, layers: 1 });
    expect((await inspectEmotiMesh(join(FIXTURES, 'v1-c1-k7-p2-h4-l2.onnx'))).steps).toBe(15);
  });
});

describe('buildSeedInput', () => {
  const frame = (v: number) => new Float32Array(1404).fill(v);

  it('concatenates frames, repeats the previous face, zeros before the first face', () => {
    const x = buildSeedInput([null, frame(1), null, frame(2), null]);
    expect(x.length).toBe(5 * 1404);
    const at = (t: number) => Array.from(new Set(x.subarray(t * 1404, (t + 1) * 1404)));
    expect([at(0), at(1), at(2), at(3), at(4)]).toEqual([[0], [1], [1], [2], [2]]);
  });

  it('keeps the [x0, y0, z0, x1, ...] order and drops refined iris points', () => {
    const refined = new Float32Array(478 * 3).map((_, i) => i);
    const x = buildSeedInput([refined]);
    expect(Array.from(x.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    expect(x.length).toBe(1404);
    expect(x[1403]).toBe(1403);
    expect(() => buildSeedInput([new Float32Array(10)])).toThrow(/expected 1404/);
  });

  it('softmax sums to one', () => {
    const p = softmax([1, 2, 3, 1000, -5]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[3]).toBeCloseTo(1, 12);
  });
});
