/**
 * Reads a `torch.save(state_dict)` checkpoint (the zip format of PyTorch >= 1.6)
 * into float32 tensors, without running any of its pickle.
 *
 * Contiguous little-endian float32 tensors (every tensor of a trained model) are
 * byte ranges of the file: from a buffer they are views (no copies); from a file
 * they are read only when `data` is first used, and `fileRange` tells where they
 * are, so the 552 MB of LSTM input weights can be memory-mapped by onnxruntime
 * instead of read. Other dtypes are converted to float32.
 */
import { readFile } from 'node:fs/promises';
import { safeUnpickle, type PickleValue, type TensorRef, type TorchDtype } from './safe-pickle.js';
import { bufferSource, crc32, FileSource, ZipArchive, type ByteSource } from './zip-reader.js';
import { halfToFloat } from '../half-float.js';

export interface Tensor {
  readonly shape: readonly number[];
  readonly numel: number;
  /** The values as float32 (read from the file on first use when opened lazily). */
  readonly data: Float32Array;
  /** Where the raw little-endian float32 values lie in the checkpoint, if stored as such. */
  readonly fileRange?: { readonly offset: number; readonly length: number };
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

function contiguous(shape: readonly number[], stride: readonly number[]): boolean {
  for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}

/** Reads any strided tensor of any dtype into a fresh float32 array. */
function convert(ref: TensorRef, bytes: Uint8Array, numel: number): Float32Array {
  const { shape, stride, offset, storage } = ref;
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
  return out;
}

interface StorageLocation {
  offset: number;
  length: number;
  /** Decompressed bytes, when the entry was deflated. */
  bytes?: Uint8Array;
}

function materialise(name: string, ref: TensorRef, where: StorageLocation, source: ByteSource): Tensor {
  const { shape, stride, offset, storage } = ref;
  const size = ELEMENT_SIZE[storage.dtype];
  const available = Math.floor(where.length / size);
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
  const start = where.offset + offset * size;
  if (!where.bytes && storage.dtype === 'float32' && contiguous(shape, stride) && start % 4 === 0) {
    let cached: Float32Array | undefined;
    return {
      shape,
      numel,
      fileRange: { offset: start, length: numel * 4 },
      get data(): Float32Array {
        if (!cached) {
          const bytes = source.read(start, numel * 4);
          cached = new Float32Array(bytes.buffer, bytes.byteOffset, numel);
        }
        return cached;
      },
    };
  }
  const data = convert(ref, where.bytes ?? source.read(where.offset, where.length), numel);
  return { shape, numel, data };
}

function isTensorRef(v: PickleValue): v is TensorRef {
  return typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'tensor';
}

/** Parses a checkpoint from any byte source; float32 tensors are read lazily. */
export function parseTorchCheckpointFrom(
  source: ByteSource,
  options: { verifyChecksums?: boolean } = {},
): StateDict {
  if (source.size >= 2) {
    const head = source.read(0, 2);
    if (head[0] === 0x80 && head[1] <= 5) {
      throw new CheckpointError(
        'this is a legacy (pre-1.6) PyTorch checkpoint; re-save it with torch.save(model.state_dict(), path) in PyTorch >= 1.6',
      );
    }
  }
  let zip: ZipArchive;
  try {
    zip = new ZipArchive(source);
  } catch (err) {
    throw new CheckpointError(`not a PyTorch checkpoint: ${(err as Error).message}`, { cause: err });
  }
  if (options.verifyChecksums) {
    try {
      zip.verify();
    } catch (err) {
      throw new CheckpointError(`damaged checkpoint: ${(err as Error).message}`, { cause: err });
    }
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
    const pkl = zip.read(pklName);
    if (crc32(pkl) !== zip.entries.get(pklName)?.crc32)
      throw new Error('data.pkl fails its CRC check (corrupt file)');
    root = safeUnpickle(pkl);
  } catch (err) {
    throw new CheckpointError(`refusing to load the checkpoint: ${(err as Error).message}`, { cause: err });
  }
  if (!(root instanceof Map)) {
    throw new CheckpointError(
      'the checkpoint is not a state dict (save model.state_dict(), not the model object)',
    );
  }
  const storages = new Map<string, StorageLocation>();
  const out = new Map<string, Tensor>();
  for (const [key, value] of root) {
    if (typeof key !== 'string') throw new CheckpointError('the state dict has a non-string key');
    if (!isTensorRef(value)) throw new CheckpointError(`state dict entry "${key}" is not a tensor`);
    let where = storages.get(value.storage.key);
    try {
      if (!where) {
        const entryName = `${prefix}data/${value.storage.key}`;
        const { entry, offset } = zip.locate(entryName);
        where =
          entry.method === 0
            ? { offset, length: entry.size }
            : { offset: 0, length: entry.size, bytes: zip.read(entryName) };
        if (where.length < value.storage.numel * ELEMENT_SIZE[value.storage.dtype]) {
          throw new CheckpointError('its storage is shorter than declared (truncated or corrupt)');
        }
        storages.set(value.storage.key, where);
      }
      // DataParallel checkpoints prefix every key with "module.".
      out.set(
        key.startsWith('module.') ? key.slice('module.'.length) : key,
        materialise(key, value, where, source),
      );
    } catch (err) {
      const message = (err as Error).message;
      throw new CheckpointError(message.includes(`"${key}"`) ? message : `tensor "${key}": ${message}`, {
        cause: err,
      });
    }
  }
  return out;
}

/** Parses a checkpoint held in memory; float32 tensors are views of `buf`. */
export function parseTorchCheckpoint(buf: Uint8Array): StateDict {
  return parseTorchCheckpointFrom(bufferSource(buf));
}

/** Reads and parses a whole checkpoint file into memory. */
export async function readTorchCheckpoint(path: string): Promise<StateDict> {
  const buf = await readFile(path);
  return parseTorchCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

export interface OpenCheckpoint {
  readonly path: string;
  readonly stateDict: StateDict;
  /** Closes the file; tensors not read by then can no longer be read. */
  close(): void;
}

/**
 * Opens a checkpoint file and parses its structure, reading only the pickle:
 * tensor values are read when first used, so a caller that maps the big
 * tensors elsewhere (see `Tensor.fileRange`) never reads them.
 */
export function openTorchCheckpoint(
  path: string,
  options: { verifyChecksums?: boolean } = {},
): OpenCheckpoint {
  const source = new FileSource(path);
  try {
    return { path, stateDict: parseTorchCheckpointFrom(source, options), close: () => source.close() };
  } catch (err) {
    source.close();
    throw err;
  }
}
