import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEmotionClient } from '@emothumb/client';
import { pgUnavailableReason, startPgCluster, type PgCluster } from '../store/pg-cluster.js';
import { send } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { describeWithTools } from '../helpers/tools.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
describeWithTools(pgUnavailableReason(), 'the service on PostgreSQL (DATABASE_URL)', () => {
  let cluster: PgCluster;
  let databaseUrl: string;
  let server: RunningServer;

  beforeAll(async () => {
    cluster = await startPgCluster();
    databaseUrl = await cluster.createDatabase();
    server = await startServer({ DATABASE_URL: databaseUrl, MODEL: 'none' }, { waitReady: false });
  });
  afterAll(async () => {
    await server?.dispose();
    await cluster?.stop();
  });

  it('logs requests in PostgreSQL, filters them, and scopes client keys', async () => {
    const out = execFileSync(process.execPath, [CLI, 'keys', 'create', '--client', 'pg-client', '--json'], {
      env: { ...process.env, DATA_DIR: server.dataDir, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    const clientKey = (JSON.parse(out) as { key: string }).key;
    const admin = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    const client = createEmotionClient({ baseUrl: server.url, apiKey: clientKey });
    await client.logs();
    await expect(createEmotionClient({ baseUrl: server.url, apiKey: 'wrong' }).logs()).rejects.toMatchObject({
      status: 401,
    });
    // Not in the contract, so not in the client: plain HTTP.
    await send(`${server.url}/nope`, { headers: authHeaders() });

    // The seed's filters as a JSON body on GET, then the client's query parameters.
    const all = await send(`${server.url}/logs`, {
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ success: 'False' }),
    });
    expect(all.status).toBe(200);
    const failed = all.json<{ logs: { status_code: number; success: boolean }[] }>().logs;
    expect(failed.map((l) => l.status_code).sort()).toEqual([401, 404]);
    const failedByQuery = (await admin.logs({ success: false })).logs;
    expect(failedByQuery.map((l) => l.status_code).sort()).toEqual([401, 404]);

    const rows = (await client.logs()).logs;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => l.client_id === 'pg-client')).toBe(true);
  });
});
