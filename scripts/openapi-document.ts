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
import { clipResultBody } from '../src/http/tasks.js';
import { ClipService } from '../src/services/clip.service.js';
import { LocalJobDispatcher } from '../src/services/job-dispatch.js';
import { JobLifecycle } from '../src/services/job-lifecycle.js';
import { JobsService } from '../src/services/jobs.service.js';
import { openStore } from '../src/store/index.js';

export async function openApiDocument(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'emothumb-openapi-'));
  const config = parseConfig({ DATA_DIR: dir, API_KEY: 'openapi-dump-key-0123456789' });
  const store = await openStore({ dataDir: dir });
  const noJobs = {
    run: () => Promise.reject(new AppError('not_ready')),
    isSaturated: () => false,
  };
  const clips = new ClipService(noJobs, config);
  const lifecycle = new JobLifecycle(store.jobs, clipResultBody, undefined);
  const jobs = new JobsService(store.jobs, clips, new LocalJobDispatcher(noJobs, lifecycle), {
    ttlHours: config.jobTtlHours,
    webhookSecret: undefined,
    webhookAllowPrivate: false,
  });
  const app = await buildApp({
    config,
    store,
    clips,
    jobs,
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
