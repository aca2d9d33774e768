/**
 * The service's OpenAPI document (what GET /openapi.json serves), from buildApp with a
 * throwaway SQLite store and no workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/config.js';
import { AppError } from '../src/errors.js';
import { ClipService } from '../src/services/clip.service.js';
import { openStore } from '../src/store/index.js';

export async function openApiDocument(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'emothumb-openapi-'));
  const config = parseConfig({ DATA_DIR: dir, API_KEY: 'openapi-dump-key-0123456789' });
  const store = await openStore({ dataDir: dir });
  const noJobs = {
    run: () => Promise.reject(new AppError('not_ready')),
    isSaturated: () => false,
  };
  const app = await buildApp({
    config,
    store,
    clips: new ClipService(noJobs, config),
    tmpDir: dir,
    stats: () => ({}),
    isReady: () => false,
    version: '0',
    logger: false,
  });
  try {
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
    return JSON.parse(res.body) as object;
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
