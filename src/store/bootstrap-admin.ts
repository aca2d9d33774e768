import type { Store } from './types.js';

/**
 * First start with no `API_KEY` configured: when the store holds no active
 * admin key, creates one and returns its plaintext, which the caller prints
 * once (only its hash is kept). Returns undefined when an admin key exists.
 */
export async function ensureBootstrapAdmin(store: Store): Promise<string | undefined> {
  const created = await store.keys.createAdminIfNone('bootstrap admin');
  return created?.key;
}
