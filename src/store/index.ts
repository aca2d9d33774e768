import type { Store } from './types.js';

export type * from './types.js';
export { JOB_STATUSES } from './types.js';
export { InvalidCursorError } from './cursor.js';
export { hashApiKey, generateApiKey, redactApiKeys, API_KEY_PREFIX } from './api-key-hash.js';
export { ensureBootstrapAdmin } from './bootstrap-admin.js';
export { DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT } from './log-query.js';

export interface StoreConfig {
  /** SQLite lives at `<dataDir>/emothumb.db` (directory created if needed). */
  dataDir: string;
  /** When set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
}

/**
 * Opens the store and brings its schema up to date.
 *
 * @example
 * const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
 * await store.logs.insert(entry);
 * await store.close();
 */
export async function openStore(cfg: StoreConfig): Promise<Store> {
  if (cfg.databaseUrl) {
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return openPostgresStore(cfg.databaseUrl);
  }
  const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
  return openSqliteStore(cfg.dataDir);
}
