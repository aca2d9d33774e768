/**
 * tfjs weight shards decoded to plain typed arrays (what `tf.io.decodeWeights` does, without a
 * tfjs backend): float32 and int32 as stored, float16 and affine uint8/uint16 quantisation
 * (value = q * scale + min) widened to float32.
 */

import { halfToFloat } from '../half-float.js';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface Weight {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Every weight of a manifest group, by name, from its shards' bytes joined in order. */
export function decodeWeights(bytes: Uint8Array, specs: WeightSpec[]): Map<string, Weight> {
  const out = new Map<string, Weight>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    let data: Float32Array | Int32Array;
    if (!q) {
      if (spec.dtype !== 'float32' && spec.dtype !== 'int32')
        throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
      data = spec.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
      for (let i = 0; i < size; i++)
        data[i] =
          spec.dtype === 'float32'
            ? view.getFloat32(offset + i * 4, true)
            : view.getInt32(offset + i * 4, true);
      offset += size * 4;
    } else if (q.dtype === 'float16') {
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = halfToFloat(view.getUint16(offset + i * 2, true));
      offset += size * 2;
    } else if (
      (q.dtype === 'uint8' || q.dtype === 'uint16') &&
      q.min !== undefined &&
      q.scale !== undefined
    ) {
      const width = q.dtype === 'uint8' ? 1 : 2;
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const v = width === 1 ? view.getUint8(offset + i) : view.getUint16(offset + i * 2, true);
        data[i] = v * q.scale + q.min;
      }
      offset += size * width;
    } else {
      throw new Error(`weight ${spec.name}: unsupported quantization ${JSON.stringify(q)}`);
    }
    if (offset > bytes.byteLength) throw new Error(`weight ${spec.name}: the shards end before it does`);
    out.set(spec.name, { shape: spec.shape, data });
  }
  return out;
}
