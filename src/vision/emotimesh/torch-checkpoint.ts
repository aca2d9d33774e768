/**
 * Reads a `torch.save(state_dict)` checkpoint (the zip format of PyTorch >= 1.6)
 * into float32 tensors, without running any of its pickle.
 *
 * Contiguous little-endian float32 tensors (every tensor of a trained model) are
 * views into the file buffer, so loading costs one file read and no copies.
 * Other dtypes are converted to float32.
 */
import { readFile } from 'node:fs/promises';
import { safeUnpickle, type PickleValue, type TensorRef, type TorchDtype } from './safe-pickle.js';
import { ZipArchive } from './zip-reader.js';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type StateDict = ReadonlyMap<string, Tensor>;

export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

const ELEMENT_SIZE: Record<TorchDtype, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Reads element i of a storage as a JS number. */
function elementReader(dtype: TorchDtype, bytes: Uint8Array): (i: number) => number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => v.getFloat32(i * 4, true);
    case 'float64':
      return (i) => v.getFloat64(i * 8, true);
    case 'float16':
      return (i) => halfToFloat(v.getUint16(i * 2, true));
    case 'bfloat16': {
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return (i) => ((u[0] = v.getUint16(i * 2, true) << 16), f[0]);
    }
    case 'int64':
      return (i) => Number(v.getBigInt64(i * 8, true));
    case 'int32':
      return (i) => v.getInt32(i * 4, true);
    case 'int16':
      return (i) => v.getInt16(i * 2, true);
    case 'int8':
      return (i) => v.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => v.getUint8(i);
  }
}

function materialise(name: string, ref: TensorRef, bytes: Uint8Array): Tensor {
  const { shape, stride, offset, storage } = ref;
  const size = ELEMENT_SIZE[storage.dtype];
  const available = Math.floor(bytes.byteLength / size);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => d < 0) || stride.some((s) => s < 0) || offset < 0) {
    throw new CheckpointError(`tensor "${name}" has a negative size, stride or offset`);
  }
  if (numel > 0) {
    const last = offset + shape.reduce((acc, d, i) => acc + (d - 1) * stride[i], 0);
    if (last >= available) {
      throw new CheckpointError(
        `tensor "${name}" reaches past the end of its storage (file truncated or corrupt)`,
      );
    }
  }
  let contiguous = true;
  for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  const start = bytes.byteOffset + offset * size;
  if (storage.dtype === 'float32' && contiguous && start % 4 === 0) {
    return { shape, data: new Float32Array(bytes.buffer, start, numel) };
  }
  const read = elementReader(storage.dtype, bytes);
  const out = new Float32Array(numel);
  const index = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < numel; n++) {
    let src = offset;
    for (let d = 0; d < shape.length; d++) src += index[d] * stride[d];
    out[n] = read(src);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { shape, data: out };
}

function isTensorRef(v: PickleValue): v is TensorRef {
  return typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'tensor';
}

/** Parses a checkpoint held in memory; the returned tensors may view `buf`. */
export function parseTorchCheckpoint(buf: Uint8Array): StateDict {
  if (buf.byteLength >= 2 && buf[0] === 0x80 && buf[1] <= 5) {
    throw new CheckpointError(
      'this is a legacy (pre-1.6) PyTorch checkpoint; re-save it with torch.save(model.state_dict(), path) in PyTorch >= 1.6',
    );
  }
  let zip: ZipArchive;
  try {
    zip = new ZipArchive(buf);
  } catch (err) {
    throw new CheckpointError(`not a PyTorch checkpoint: ${(err as Error).message}`, { cause: err });
  }
  const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) throw new CheckpointError('not a PyTorch checkpoint: the zip has no <name>/data.pkl entry');
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const byteorder = zip.entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim()
    : 'little';
  if (byteorder !== 'little') throw new CheckpointError(`unsupported checkpoint byte order "${byteorder}"`);

  let root: PickleValue;
  try {
    root = safeUnpickle(zip.read(pklName));
  } catch (err) {
    throw new CheckpointError(`refusing to load the checkpoint: ${(err as Error).message}`, { cause: err });
  }
  if (!(root instanceof Map)) {
    throw new CheckpointError(
      'the checkpoint is not a state dict (save model.state_dict(), not the model object)',
    );
  }
  const storages = new Map<string, Uint8Array>();
  const out = new Map<string, Tensor>();
  for (const [key, value] of root) {
    if (typeof key !== 'string') throw new CheckpointError('the state dict has a non-string key');
    if (!isTensorRef(value)) throw new CheckpointError(`state dict entry "${key}" is not a tensor`);
    let bytes = storages.get(value.storage.key);
    if (!bytes) {
      try {
        bytes = zip.read(`${prefix}data/${value.storage.key}`);
      } catch (err) {
        throw new CheckpointError(`tensor "${key}": ${(err as Error).message}`, { cause: err });
      }
      if (bytes.byteLength < value.storage.numel * ELEMENT_SIZE[value.storage.dtype]) {
        throw new CheckpointError(
          `tensor "${key}": its storage is shorter than declared (truncated or corrupt)`,
        );
      }
      storages.set(value.storage.key, bytes);
    }
    // DataParallel checkpoints prefix every key with "module.".
    out.set(key.startsWith('module.') ? key.slice('module.'.length) : key, materialise(key, value, bytes));
  }
  return out;
}

/** Reads and parses a checkpoint file. */
export async function readTorchCheckpoint(path: string): Promise<StateDict> {
  const buf = await readFile(path);
  return parseTorchCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}
