/**
 * Largest batch handed to a model at once. The WASM heap grows to the peak activation size and
 * never shrinks, so big batches buy little speed and cost resident memory for the life of the
 * worker; 8 keeps the heap small at a few percent of throughput.
 */
export const MAX_BATCH = 5;

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
