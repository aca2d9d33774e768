/**
 * Largest batch handed to a model at once. The WASM heap grows to the peak activation size and
 * never shrinks, so big batches buy little speed and cost resident memory for the life of the
 * worker; 3 keeps it about 30 MB smaller than 5 (measured: one worker after a /predict, /thumbnail
 * and /analyze on a 10 s 1080p clip, 259 MB resident against 289 MB) for the same clip time.
 */
export const MAX_BATCH = 3;

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
