/**
 * Largest batch handed to a model at once: big batches buy little speed and cost resident
 * memory. Measured when the nets ran on tfjs's WASM backend, whose heap never shrank (one
 * worker after a /predict, /thumbnail and /analyze of a 10 s 1080p clip): batch 5 289 MB
 * resident, 3 259 MB, 2 242 MB, 1 227 MB; clip times equal within noise from 5 to 2, a few
 * percent slower at 1. Not measured again on onnxruntime.
 */
export const MAX_BATCH = 2;

/** Run `fn` over consecutive slices of at most `size` items and concatenate the results. */
export async function inChunks<T, R>(
  items: T[],
  fn: (chunk: T[]) => Promise<R[]>,
  size = MAX_BATCH,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
  return out;
}

/**
 * Item `item`'s output row averaged over its `views` (the crop, then its mirror image), from a
 * batch output laid out as [items x views x dim].
 */
export function meanOverViews(values: Float32Array, item: number, views: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let v = 0; v < views; v++)
    for (let k = 0; k < dim; k++) out[k] += values[(views * item + v) * dim + k] / views;
  return out;
}
