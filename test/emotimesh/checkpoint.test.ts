import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { inferArchitecture } from '../../src/vision/emotimesh/architecture.js';
import { PickleSecurityError, safeUnpickle } from '../../src/vision/emotimesh/safe-pickle.js';
import {
  CheckpointError,
  openTorchCheckpoint,
  parseTorchCheckpoint,
  readTorchCheckpoint,
} from '../../src/vision/emotimesh/torch-checkpoint.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'emotimesh');
const fixture = (name: string) => join(FIXTURES, name);

/** Protocol-2 pickle bytes from a mix of opcodes (strings) and raw bytes. */
function pickle(...parts: (string | number[])[]): Uint8Array {
  const bytes: number[] = [0x80, 2];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) bytes.push(ch.charCodeAt(0));
    else bytes.push(...p);
  }
  return Uint8Array.from(bytes);
}

function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {
    'archive/data.pkl': pkl,
    'archive/version': new TextEncoder().encode('3\n'),
  };
  for (const [key, data] of Object.entries(storages)) files[`archive/data/${key}`] = data;
  return zipSync(files, { level: 0 });
}

describe('torch checkpoint reader', () => {
  it('reads every tensor of a torch.save(state_dict) zip with its shape', async () => {
    const sd = await readTorchCheckpoint(fixture('v1-c1-k7-p2-h4-l2.pth'));
    expect(sd.get('lstm.weight_ih_l0')?.shape).toEqual([16, 701]);
    expect(sd.get('lstm.weight_ih_l0_reverse')?.data.length).toBe(16 * 701);
    expect(sd.get('conv1.weight')?.shape).toEqual([1, 1, 7]);
    expect(sd.get('input_bn.num_batches_tracked')?.data[0]).toBe(1234);
    expect(sd.size).toBe(32);
  });

  it('converts float16 checkpoints to float32', async () => {
    const sd = await readTorchCheckpoint(fixture('v4-c1-k9-p4-h2-l1-half.pth'));
    const bias = sd.get('fc2.bias');
    expect(bias?.data).toBeInstanceOf(Float32Array);
    // float16 values have at most 11 significant bits.
    for (const v of bias!.data) expect(Math.round(v * 2 ** 14) / 2 ** 14).toBeCloseTo(v, 10);
  });

  it('infers every hyper-parameter from the tensor shapes', async () => {
    const cases: [string, object][] = [
      ['v1-c1-k7-p2-h4-l2', { channels: 1, kernel: 7, padding: 2, hidden: 4, layers: 2, pooledLength: 701 }],
      ['v2-c2-k5-p0-h2-l1', { channels: 2, kernel: 5, padding: 0, hidden: 2, layers: 1, pooledLength: 700 }],
      ['v3-c1-k3-p1-h3-l3', { channels: 1, kernel: 3, padding: 1, hidden: 3, layers: 3, pooledLength: 702 }],
      [
        'v4-c1-k9-p4-h2-l1-half',
        { channels: 1, kernel: 9, padding: 4, hidden: 2, layers: 1, pooledLength: 702 },
      ],
    ];
    for (const [name, expected] of cases) {
      const arch = inferArchitecture(await readTorchCheckpoint(fixture(`${name}.pth`)));
      expect(arch).toMatchObject({ ...expected, inputSize: 1404, bidirectional: true, classes: 5 });
    }
  });

  it('refuses a checkpoint whose pickle calls os.system, naming the global', async () => {
    await expect(readTorchCheckpoint(fixture('forbidden-global.pth'))).rejects.toThrow(
      /posix\.system.*not allowed/,
    );
  });

  it('refuses dangerous globals however they are spelled', () => {
    const viaGlobal = pickle('cbuiltins\neval\n', 'X', [4, 0, 0, 0], '1+1', '\x85R.');
    expect(() => safeUnpickle(viaGlobal)).toThrow(PickleSecurityError);
    expect(() => safeUnpickle(viaGlobal)).toThrow(/builtins\.eval/);
    const viaStackGlobal = pickle('\x8c\x02os\x8c\x06system\x93.');
    expect(() => safeUnpickle(viaStackGlobal)).toThrow(/os\.system/);
    // INST (a protocol-0 way to call a class) is not an opcode a state dict uses.
    expect(() => safeUnpickle(pickle('(ios\nsystem\n.'))).toThrow(/unsupported pickle opcode 0x69/);
    expect(() => parseTorchCheckpoint(torchZip(viaGlobal))).toThrow(CheckpointError);
  });

  it('refuses a pickled model object instead of a state dict', () => {
    const model = pickle('c__main__\nEmotiMesh_Net\n)R.');
    expect(() => parseTorchCheckpoint(torchZip(model))).toThrow(/__main__\.EmotiMesh_Net/);
    const notDict = pickle(']q\x00.');
    expect(() => parseTorchCheckpoint(torchZip(notDict))).toThrow(/not a state dict/);
  });

  it('gives clear errors for truncated and corrupt files', async () => {
    await expect(readTorchCheckpoint(fixture('truncated.pth'))).rejects.toThrow(
      /not a PyTorch checkpoint.*truncated/,
    );
    await expect(readTorchCheckpoint(fixture('corrupt.pth'))).rejects.toThrow(/corrupt central directory/);
    expect(() => parseTorchCheckpoint(new Uint8Array(0))).toThrow(/too small/);
    expect(() =>
      parseTorchCheckpoint(new TextEncoder().encode('<html>quota exceeded</html>'.padEnd(100))),
    ).toThrow(/not a zip/);
    expect(() => parseTorchCheckpoint(Uint8Array.of(0x80, 0x02, 0x8a, 0x0a))).toThrow(/legacy/);
  });

  it('refuses a tensor that reaches past its storage', () => {
    // state dict {"w": tensor of 4 floats} whose storage only holds 2.
    const pkl = pickle(
      '}q\x00X\x01\x00\x00\x00wq\x01',
      'ctorch._utils\n_rebuild_tensor_v2\nq\x02',
      '((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07Q',
      'K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rtq\x08Rq\x09s.',
    );
    const ok = parseTorchCheckpoint(
      torchZip(pkl, { '0': new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) }),
    );
    expect(Array.from(ok.get('w')!.data)).toEqual([1, 2, 3, 4]);
    expect(() => parseTorchCheckpoint(torchZip(pkl, { '0': new Uint8Array(8) }))).toThrow(
      /shorter than declared|past the end/,
    );
  });

  it('reports a state dict of another network by the missing tensor', async () => {
    const sd = new Map((await readTorchCheckpoint(fixture('v2-c2-k5-p0-h2-l1.pth'))).entries());
    sd.delete('fc1.weight');
    expect(() => inferArchitecture(sd)).toThrow(/"fc1.weight" is missing/);
  });

  it('opens a file without reading float32 tensors, and says where they lie', async () => {
    const path = fixture('v1-c1-k7-p2-h4-l2.pth');
    const eager = await readTorchCheckpoint(path);
    const lazy = openTorchCheckpoint(path);
    try {
      const w = lazy.stateDict.get('lstm.weight_ih_l0')!;
      const file = readFileSync(path);
      const range = w.fileRange!;
      expect(range.length).toBe(16 * 701 * 4);
      const fromRange = new Float32Array(
        file.buffer.slice(file.byteOffset + range.offset, file.byteOffset + range.offset + range.length),
      );
      expect(fromRange).toEqual(eager.get('lstm.weight_ih_l0')!.data);
      expect(w.data).toEqual(fromRange);
    } finally {
      lazy.close();
    }
  });

  it('keeps the file bytes un-copied for float32 tensors', () => {
    const buf = readFileSync(fixture('v1-c1-k7-p2-h4-l2.pth'));
    const sd = parseTorchCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    expect(sd.get('lstm.weight_ih_l0')!.data.buffer).toBe(buf.buffer);
  });
});
