/**
 * Security on the real server: per-key rate limiting, security headers and request
 * ids on every response (errors included), and no API key in the service's output
 * or in the request log.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { rawHttp, rawRequest, sendOnce, type RawReply } from './support.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function createKey(dataDir: string, ...args: string[]): string {
  const out = execFileSync(process.execPath, [CLI, 'keys', 'create', ...args, '--json'], {
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { key: string }).key;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': expect.stringContaining('max-age='),
  'cross-origin-opener-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
};

describe('security (real server, RATE_LIMIT_PER_MINUTE=5)', () => {
  let server: RunningServer;
  let aliceKey: string;
  let bobKey: string;
  let readerKey: string;
  const replies: { what: string; res: RawReply }[] = [];

  const get = (path: string, key: string | undefined, extra: Record<string, string> = {}) =>
    sendOnce(`${server.url}${path}`, {
      headers: { ...(key ? authHeaders(key) : { date: new Date().toISOString() }), ...extra },
    });

  beforeAll(async () => {
    server = await startServer({
      MODEL: 'none',
      WORKERS: '1',
      RATE_LIMIT_PER_MINUTE: '5',
      ACCESS_LOG: 'true',
      LOG_LEVEL: 'debug',
    });
    aliceKey = createKey(server.dataDir, '--client', 'alice');
    bobKey = createKey(server.dataDir, '--client', 'bob');
    readerKey = createKey(server.dataDir, '--admin');
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('the 6th request from one key within a minute is 429 rate_limited with Retry-After; other keys are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await get('/logs?limit=1', ADMIN_KEY);
      replies.push({ what: `admin #${i + 1}`, res });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = replies.at(-1)!.res;
    expect(JSON.parse(limited.body)).toEqual({ error: expect.any(String), code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    const alice = await get('/logs?limit=1', aliceKey);
    replies.push({ what: 'alice', res: alice });
    expect(alice.status).toBe(200);
    // Still limited for the admin key.
    const again = await get('/health', undefined);
    expect(again.status).toBe(200);
  });

  it("a client key cannot read another client's entries", async () => {
    await get('/logs?limit=1', bobKey, { 'x-client-id': 'bob-app' });
    const res = await get('/logs?client_id=bob&limit=100', aliceKey);
    replies.push({ what: 'alice reads bob', res });
    expect(res.status).toBe(200);
    const rows = (JSON.parse(res.body) as { logs: { client_id: string | null }[] }).logs;
    expect(rows).toEqual([]);
    const own = await get('/logs?limit=100', aliceKey);
    const ownRows = (JSON.parse(own.body) as { logs: { client_id: string | null }[] }).logs;
    expect(ownRows.length).toBeGreaterThan(0);
    expect(ownRows.every((r) => r.client_id === 'alice')).toBe(true);
  });

  it('error responses carry security headers and an x-request-id too', async () => {
    const cases: { what: string; res: RawReply }[] = [
      { what: '404', res: await get('/no/such/thing', readerKey) },
      { what: '404 without a key', res: await get('/nope', undefined) },
      { what: '401', res: await get('/logs', undefined) },
      { what: '401 wrong key', res: await get('/logs', 'wrong-key') },
      {
        what: '405',
        res: await sendOnce(`${server.url}/predict`, { method: 'DELETE', headers: authHeaders(readerKey) }),
      },
      { what: '400 bad date', res: await get('/logs', readerKey, { date: 'not a date' }) },
      { what: 'health', res: await get('/health', undefined) },
      ...replies,
    ];
    for (const { what, res } of cases) {
      expect(res.headers['x-request-id'], what).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-powered-by'], what).toBeUndefined();
      expect(res.headers, what).toMatchObject(SECURITY_HEADERS);
      if (res.status >= 400)
        expect(Object.keys(JSON.parse(res.body) as object).sort(), what).toEqual(['code', 'error']);
    }
    // Request ids are unique per request.
    const ids = cases.map((c) => c.res.headers['x-request-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('no API key appears in the service output or in the request log, wherever a client put it', async () => {
    // Keys in odd places: the URL path and query, a wrong-key header, a JSON body.
    await get(`/logs/${aliceKey}`, readerKey);
    await get(`/nope?api_key=${encodeURIComponent(bobKey)}`, readerKey);
    await get('/logs', bobKey.slice(0, -2) + 'xx');
    await sendOnce(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(readerKey), 'content-type': 'application/json' },
      body: JSON.stringify({ content: aliceKey }),
    });
    await rawHttp(server.url, rawRequest('GET', `/${bobKey}`, [`Date: ${new Date().toUTCString()}`]));
    // The environment's admin key too (not an issued key: it has no recognisable prefix).
    await get(`/${ADMIN_KEY}?k=${ADMIN_KEY}`, readerKey);

    const res = await get('/logs?limit=1000', readerKey);
    expect(res.status).toBe(200);
    const rows = JSON.stringify(JSON.parse(res.body));
    const output = server.output();
    // ACCESS_LOG and debug level: the service printed request lines.
    expect(output).toMatch(/incoming request|request completed/);
    for (const key of [ADMIN_KEY, aliceKey, bobKey, readerKey]) {
      expect(rows.includes(key), 'key in the request log').toBe(false);
      if (output.includes(key))
        console.log(
          output
            .split('\n')
            .filter((l) => l.includes(key))
            .join('\n'),
        );
      expect(output.includes(key), 'key in the service output').toBe(false);
    }
  });
});
