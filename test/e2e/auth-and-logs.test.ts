import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmotionClient, type LogFilters } from '@emothumb/client';
import { send } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

function createClientKey(dataDir: string, clientId: string): string {
  const out = execFileSync(process.execPath, [CLI, 'keys', 'create', '--client', clientId, '--json'], {
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { key: string }).key;
}

interface LogsBody {
  logs: Record<string, unknown>[];
  count: number;
  next_cursor: string | null;
}

describe('auth, date header and the request log (real server)', () => {
  let server: RunningServer;
  let aliceKey: string;
  let bobKey: string;

  const client = (apiKey = ADMIN_KEY, clientId?: string) =>
    createEmotionClient({ baseUrl: server.url, apiKey, clientId });

  /** The seed's way: filters as a JSON body on GET (fetch cannot send one, so plain node:http). */
  const getLogs = async (query = '', body?: unknown, key = ADMIN_KEY) => {
    const res = await send(`${server.url}/logs${query}`, {
      method: 'GET',
      headers: { ...authHeaders(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.json<LogsBody & { code?: string }>() };
  };

  beforeAll(async () => {
    server = await startServer({ WORKERS: '1' }, { waitReady: false });
    aliceKey = createClientKey(server.dataDir, 'alice');
    bobKey = createClientKey(server.dataDir, 'bob');
  });
  afterAll(async () => server?.dispose());

  it('answers /health without a key, with a request id header', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('prints where the demo page and the API docs are when it starts, and they answer there', async () => {
    const port = new URL(server.url).port;
    const demo = new RegExp(`demo page: +(http://127\\.0\\.0\\.1:${port}/demo)`).exec(server.output());
    const docs = new RegExp(`API docs: +(http://127\\.0\\.0\\.1:${port}/docs)`).exec(server.output());
    expect(demo, server.output()).not.toBeNull();
    expect(docs).not.toBeNull();
    expect((await fetch(demo![1]!)).status).toBe(200);
    expect((await fetch(docs![1]!)).status).toBe(200);
  });

  it('refuses a missing or wrong key with 401 Unauthorized', async () => {
    const missing = await fetch(`${server.url}/logs`, { headers: { date: new Date().toISOString() } });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'Unauthorized', code: 'unauthorized' });
    const wrong = await fetch(`${server.url}/logs`, { headers: authHeaders('nope') });
    expect(wrong.status).toBe(401);
  });

  it('requires a parsable, recent date header (ISO 8601, HTTP date or x-date)', async () => {
    const base = { 'x-api-key': ADMIN_KEY };
    const missing = await fetch(`${server.url}/logs`, { headers: base });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { code: string }).code).toBe('missing_date');
    const bad = await fetch(`${server.url}/logs`, { headers: { ...base, date: 'yesterday' } });
    expect(((await bad.json()) as { code: string }).code).toBe('bad_date');
    const stale = await fetch(`${server.url}/logs`, { headers: { ...base, date: '2001-01-01T00:00:00Z' } });
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { code: string }).code).toBe('clock_skew');
    expect(
      (await fetch(`${server.url}/logs`, { headers: { ...base, date: new Date().toUTCString() } })).status,
    ).toBe(200);
    expect(
      (await fetch(`${server.url}/logs`, { headers: { ...base, 'x-date': new Date().toISOString() } }))
        .status,
    ).toBe(200);
  });

  it('answers unknown endpoints 404 and wrong methods 405, as JSON', async () => {
    const nf = await fetch(`${server.url}/nope`, { headers: authHeaders() });
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { code: string }).code).toBe('not_found');
    const mna = await fetch(`${server.url}/predict`, { headers: authHeaders() });
    expect(mna.status).toBe(405);
    expect(((await mna.json()) as { code: string }).code).toBe('method_not_allowed');
  });

  it('answers bad JSON, base64, encoding and duration 400 and an unsupported content type 415', async () => {
    const badJson = await fetch(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: '{"content": ',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { code: string }).code).toBe('bad_json');
    const text = await fetch(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { code: string }).code).toBe('unsupported_media_type');
    const badB64 = await fetch(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ encoding: 'base64', format: 'mp4', content: 'not*base64!' }),
    });
    expect(((await badB64.json()) as { code: string }).code).toBe('bad_base64');
    const badEnc = await fetch(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ encoding: 'hex', content: 'AAAA' }),
    });
    expect(((await badEnc.json()) as { code: string }).code).toBe('bad_encoding');
    const badDuration = await client().api.POST('/thumbnail', {
      body: { encoding: 'base64', content: 'AAAA', duration: 11 },
    });
    expect(badDuration.response.status).toBe(400);
    expect(badDuration.error?.code).toBe('invalid_duration');
  });

  it('logs every request, including failures, and filters them as the seed does', async () => {
    await client(ADMIN_KEY, 'seed-client').logs();
    await expect(client('wrong', 'seed-client').logs()).rejects.toMatchObject({ status: 401 });

    const all = await getLogs('', {});
    expect(all.status).toBe(200);
    expect(all.body.count).toBeGreaterThan(5);
    const entry = all.body.logs[0]!;
    for (const field of [
      'timestamp',
      'request_method',
      'endpoint',
      'status_code',
      'latency_ms',
      'client_id',
      'success',
      'prediction',
      'confidence',
      'error_message',
      'request_id',
    ])
      expect(entry).toHaveProperty(field);
    // Newest first.
    const ts = all.body.logs.map((l) => Date.parse(l.timestamp as string));
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);

    const unauthorized = await getLogs('', { status_code: '401' });
    expect(unauthorized.body.count).toBeGreaterThanOrEqual(2);
    expect(unauthorized.body.logs.every((l) => l.status_code === 401 && l.success === false)).toBe(true);

    const failed = await getLogs('', { success: 'false' });
    expect(failed.body.logs.every((l) => l.success === false)).toBe(true);
    // The same filters as query parameters, through the typed client ("True" as the seed writes it).
    const { data: ok } = await client().api.GET('/logs', { params: { query: { success: 'True' } } });
    expect(ok!.count).toBeGreaterThan(0);
    expect(ok!.logs.every((l) => l.success === true)).toBe(true);
    const okBoolean = await client().logs({ success: true });
    expect(okBoolean.count).toBeGreaterThanOrEqual(ok!.count);
    expect(okBoolean.logs.every((l) => l.success === true)).toBe(true);

    // The admin key's request is recorded under the client id it claimed; the one with a wrong
    // key is recorded under no client (nobody can write into a client's view without its key).
    const byClient = await getLogs('', { client_id: 'seed-client' });
    expect(byClient.body.count).toBe(1);
    expect(byClient.body.logs.every((l) => l.client_id === 'seed-client')).toBe(true);

    const now = Date.now();
    const recent = await getLogs('', { start_date: new Date(now - 60_000).toISOString() });
    expect(recent.body.count).toBeGreaterThan(0);
    const future = await getLogs('', { start_date: new Date(now + 3_600_000).toISOString() });
    expect(future.body.count).toBe(0);
    const past = await getLogs('', { end_date: '2001-01-01T00:00:00' });
    expect(past.body.count).toBe(0);
    const range = await getLogs('', {
      start_date: new Date(now - 60_000).toISOString(),
      end_date: new Date(now + 60_000).toISOString(),
      success: 'False',
    });
    expect(range.body.logs.every((l) => l.success === false)).toBe(true);

    const byEndpoint = await client().logs({ endpoint: '/thumbnail' });
    expect(byEndpoint.logs.every((l) => l.endpoint === '/thumbnail')).toBe(true);
    expect(byEndpoint.count).toBeGreaterThan(0);
    const byStatus = await client().logs({ status_code: 401 });
    expect(byStatus.count).toBe(unauthorized.body.count);
    expect(byStatus.logs.every((l) => l.status_code === 401)).toBe(true);
  });

  it('pages with limit and cursor without repeats', async () => {
    const first = await client().logs({ limit: 2 });
    expect(first.count).toBe(2);
    expect(first.next_cursor).toBeTruthy();
    const second = await client().logs({ limit: 2, cursor: first.next_cursor! });
    const ids = new Set([...first.logs, ...second.logs].map((l) => l.id));
    expect(ids.size).toBe(4);
  });

  it('refuses bad filter values with 400 invalid_filter', async () => {
    for (const body of [
      { start_date: 'tomorrow' },
      { status_code: 'abc' },
      { success: 'maybe' },
      { limit: 5000 },
      { cursor: '!!' },
      { colour: 'red' },
    ]) {
      const res = await getLogs('', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('invalid_filter');
      // The same values as query parameters (the client's types would not allow them).
      await expect(client().logs(body as LogFilters), JSON.stringify(body)).rejects.toMatchObject({
        status: 400,
        code: 'invalid_filter',
      });
    }
  });

  it('scopes a client key to its own log entries and pins its client id', async () => {
    await client(aliceKey, 'bob').logs();
    await client(bobKey).logs({}, { headers: { 'x-client-id': 'not-bob' } });
    const alice = await client(aliceKey).logs();
    expect(alice.count).toBeGreaterThan(0);
    expect(alice.logs.every((l) => l.client_id === 'alice')).toBe(true);
    const sneaky = await client(aliceKey).logs({ client_id: 'bob' });
    expect(sneaky.count).toBe(0);
    const sneakyBody = await getLogs('', { client_id: 'bob' }, aliceKey);
    expect(sneakyBody.body.count).toBe(0);
    const admin = await client().logs({ client_id: 'bob' });
    expect(admin.logs.some((l) => l.client_id === 'bob')).toBe(true);
    expect((await client().logs({ client_id: 'not-bob' })).count).toBe(0);
  });

  it('never writes API keys into the log', async () => {
    const all = await client().logs({ limit: 1000 });
    const text = JSON.stringify(all);
    expect(text).not.toContain(ADMIN_KEY);
    expect(text).not.toContain(aliceKey);
    expect(server.output()).not.toContain(aliceKey);
  });

  it('serves the OpenAPI document, docs and demo pages without a key', async () => {
    const spec = await fetch(`${server.url}/openapi.json`);
    expect(spec.status).toBe(200);
    const doc = (await spec.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/predict', '/thumbnail', '/analyze', '/logs']),
    );
    expect((await fetch(`${server.url}/docs`)).status).toBeLessThan(400);
    const demo = await fetch(`${server.url}/demo`);
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('x-date');
  });
});

describe('GET /metrics', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ WORKERS: '1', MODEL: 'none' }, { waitReady: false });
  });
  afterAll(async () => server?.dispose());

  it('gives operators Prometheus numbers with the admin key only', async () => {
    await fetch(`${server.url}/health`);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const text = await createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY }).metrics();
    expect(text).toMatch(/emothumb_http_requests_total\{method="GET",endpoint="\/health",status="200"\} 1/);
    expect(text).toMatch(/emothumb_http_request_duration_seconds_bucket/);
    expect(text).toMatch(/emothumb_jobs\{kind="workers"\}/);
  });
});
