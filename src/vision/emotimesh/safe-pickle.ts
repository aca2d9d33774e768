/**
 * A restricted pickle reader for PyTorch state dicts. Python's pickle runs code
 * (any importable callable can be invoked through GLOBAL + REDUCE), and a
 * checkpoint is untrusted input, so this VM knows only the opcodes a
 * `torch.save(state_dict)` pickle uses and only the globals that rebuild
 * tensors. Everything else is refused by name before anything is built.
 */

export class PickleSecurityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleSecurityError';
  }
}

export class PickleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleFormatError';
  }
}

/** A tensor storage referenced by a persistent id: `data/<key>` in the zip. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: TorchDtype;
  readonly key: string;
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export type TorchDtype =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const STORAGE_TYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Tuples are frozen arrays so that they can be told apart from lists. */
type Tuple = readonly PickleValue[] & { readonly __tuple: true };
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Tuple
  | Map<PickleValue, PickleValue>
  | Global
  | StorageRef
  | TensorRef;

function tuple(items: PickleValue[]): Tuple {
  return Object.freeze(Object.assign(items, { __tuple: true as const })) as unknown as Tuple;
}
function isTuple(v: PickleValue): v is Tuple {
  return Array.isArray(v) && (v as { __tuple?: boolean }).__tuple === true;
}

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`),
]);

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const MAX_MEMO = 1_000_000;

function asInt(v: PickleValue, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER))
    return Number(v);
  throw new PickleFormatError(`${what} must be an integer`);
}

function intTuple(v: PickleValue, what: string): number[] {
  if (!isTuple(v)) throw new PickleFormatError(`${what} must be a tuple`);
  return v.map((x) => asInt(x, what));
}

/**
 * Unpickles `data` with the tensor-only allow-list. Returns the top-level
 * value (for a state dict: a Map from parameter name to TensorRef).
 */
export function safeUnpickle(data: Uint8Array): PickleValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > data.byteLength) throw new PickleFormatError('pickle data is truncated');
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const bytes = (n: number): Uint8Array => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new PickleFormatError('pickle data is truncated');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined) throw new PickleFormatError('pickle stack underflow');
    if (v === MARK) throw new PickleFormatError('unexpected mark on the pickle stack');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleFormatError('pickle stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new PickleFormatError('pickle mark missing');
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const memoPut = (index: number): void => {
    if (memo.size >= MAX_MEMO) throw new PickleFormatError('pickle memo too large');
    memo.set(index, top());
  };
  const memoGet = (index: number): void => {
    const v = memo.get(index);
    if (v === undefined) throw new PickleFormatError(`pickle memo entry ${index} is missing`);
    stack.push(v);
  };
  const global = (module: string, name: string): Global => {
    const g = new Global(module, name);
    if (!ALLOWED_GLOBALS.has(g.qualified)) {
      throw new PickleSecurityError(
        `the checkpoint references the Python global "${g.qualified}", which is not allowed: ` +
          'only a plain state dict of tensors can be loaded (a pickle can run arbitrary code)',
      );
    }
    return g;
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) throw new PickleFormatError('SETITEMS on something that is not a dict');
    if (items.length % 2) throw new PickleFormatError('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const appendItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target) || isTuple(target))
      throw new PickleFormatError('APPENDS on something that is not a list');
    (target as PickleValue[]).push(...items);
  };
  const reduce = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!(fn instanceof Global) || !isTuple(args))
      throw new PickleFormatError('REDUCE needs a global and a tuple');
    switch (fn.qualified) {
      case 'collections.OrderedDict': {
        const map = new Map<PickleValue, PickleValue>();
        if (args.length > 0) throw new PickleFormatError('OrderedDict with constructor arguments');
        return map;
      }
      case 'torch._utils._rebuild_tensor_v2': {
        const [storage, offset, size, stride] = args;
        if (
          args.length < 6 ||
          !storage ||
          typeof storage !== 'object' ||
          !('kind' in storage) ||
          storage.kind !== 'storage'
        ) {
          throw new PickleFormatError('malformed tensor record');
        }
        const shape = intTuple(size, 'tensor size');
        const strides = intTuple(stride, 'tensor stride');
        if (shape.length !== strides.length)
          throw new PickleFormatError('tensor size and stride differ in length');
        return { kind: 'tensor', storage, offset: asInt(offset, 'storage offset'), shape, stride: strides };
      }
      case 'torch._utils._rebuild_parameter': {
        const [tensorValue] = args;
        if (
          !tensorValue ||
          typeof tensorValue !== 'object' ||
          !('kind' in tensorValue) ||
          tensorValue.kind !== 'tensor'
        ) {
          throw new PickleFormatError('malformed parameter record');
        }
        return tensorValue;
      }
      default:
        throw new PickleSecurityError(`calling "${fn.qualified}" is not allowed in a checkpoint`);
    }
  };
  const persistentLoad = (pid: PickleValue): StorageRef => {
    if (!isTuple(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new PickleFormatError('unsupported persistent id (only tensor storages are allowed)');
    }
    const [, type, key, , numel] = pid;
    if (!(type instanceof Global) || type.module !== 'torch' || !(type.name in STORAGE_TYPES)) {
      throw new PickleFormatError('unsupported storage type');
    }
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key))
      throw new PickleFormatError('malformed storage key');
    return { kind: 'storage', dtype: STORAGE_TYPES[type.name], key, numel: asInt(numel, 'storage size') };
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleFormatError('unsupported pickle protocol');
        break;
      case 0x95: // FRAME
        bytes(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) throw new PickleFormatError('pickle ended with a malformed stack');
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = new Map<PickleValue, PickleValue>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(u8());
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(
          v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v,
        );
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new PickleFormatError('STACK_GLOBAL needs strings');
        stack.push(global(module, name));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        appendItems(top(), [value]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x62: {
        // BUILD: only an OrderedDict's attribute dict (torch's `_metadata`), which we do not need.
        const state = pop();
        if (!(top() instanceof Map) || !(state instanceof Map || state === null)) {
          throw new PickleSecurityError('BUILD is only allowed to set attributes of a dict');
        }
        break;
      }
      default:
        throw new PickleSecurityError(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} (a state dict never needs it)`,
        );
    }
  }
}
