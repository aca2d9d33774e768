/**
 * The job API in the embedded default: `npm start` with no Redis and no PostgreSQL (SQLite,
 * the local worker pool), a real phone-like clip with a sound track, a real webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { send } from '../helpers/http.js';
import {
  makePhoneClip,
  makePhoneSource,
  PHONE_FORMATS,
  requireSystemFfmpeg,
} from '../helpers/phone-clips.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { createEmotionClient } from '@emothumb/client';

const SECRET = 'default-mode-secret';

interface JobDoc {
  job_id: string;
  status: string;
  result: Record<string, unknown> | null;
  error: { code: string } | null;
}

describe('the job API in the single-process default (no Redis, no PostgreSQL)', () => {
  let server: RunningServer;
  let clipDir: string;
  let clip: Buffer;

  beforeAll(async () => {
    requireSystemFfmpeg();
    clipDir = await mkdtemp(join(tmpdir(), 'emothumb-jobs-default-'));
    const format = PHONE_FORMATS.find((f) => f.id === 'iphone-hevc') ?? PHONE_FORMATS[0]!;
    clip = await readFile(
      makePhoneClip(await makePhoneSource(clipDir, 2, format.portrait ?? false), format, clipDir, 2),
    );
    server = await startServer({ WEBHOOK_SECRET: SECRET });
  }, 300_000);

  afterAll(async () => {
    await server?.dispose();
    if (clipDir) await rm(clipDir, { recursive: true, force: true });
  });

  const wait = async (id: string): Promise<JobDoc> => {
    for (let i = 0; i < 600; i++) {
      const doc = (await send(`${server.url}/jobs/${id}`, { headers: authHeaders() })).json<JobDoc>();
      if (doc.status === 'succeeded' || doc.status === 'failed') return doc;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('job did not end');
  };

  it('queues a job (202), runs it on the local pool and serves the /predict body', async () => {
    const res = await send(`${server.url}/jobs/predict`, {
      method: 'POST',
      headers: authHeaders(undefined, { 'content-type': 'application/json' }),
      body: JSON.stringify({ encoding: 'base64', format: 'mp4', content: clip.toString('base64') }),
    });
    expect(res.status, res.body.toString()).toBe(202);
    const { job_id } = res.json<{ job_id: string }>();
    expect(res.headers.location).toBe(`/jobs/${job_id}`);
    const doc = await wait(job_id);
    expect(doc.status, JSON.stringify(doc.error)).toBe('succeeded');
    expect(doc.result).toMatchObject({ emotion: 'Happy', prediction: 'Happy' });
  });

  it('is reachable through the typed client: submitJob, then waitForJob', async () => {
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    const accepted = await api.submitJob('analyze', clip, { duration: 1, idempotencyKey: 'client-1' });
    expect(accepted).toMatchObject({ status: 'queued', status_url: `/jobs/${accepted.job_id}` });
    const doc = await api.waitForJob(accepted.job_id, { intervalMs: 100 });
    expect(doc).toMatchObject({ status: 'succeeded', task: 'analyze', result: { emotion: 'Happy' } });
    const again = await api.submitJob('analyze', clip, { duration: 1, idempotencyKey: 'client-1' });
    expect(again.job_id).toBe(accepted.job_id);
    await expect(api.job('no-such-job')).rejects.toMatchObject({ status: 404, code: 'job_not_found' });
  });

  it('refuses a callback URL on a private or loopback address (WEBHOOK_ALLOW_PRIVATE unset)', async () => {
    let hits = 0;
    const receiver: Server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    try {
      for (const callback of [url, 'http://localhost/hook', 'http://192.168.1.10/x', 'file:///etc/passwd']) {
        const res = await send(`${server.url}/jobs/thumbnail?callback_url=${encodeURIComponent(callback)}`, {
          method: 'POST',
          headers: authHeaders(undefined, { 'content-type': 'video/mp4' }),
          body: clip,
        });
        expect(res.status, callback).toBe(400);
        expect(res.json(), callback).toMatchObject({ code: 'bad_callback_url' });
      }
      expect(hits).toBe(0);
    } finally {
      receiver.close();
    }
  });

  it('repeats the first job for the same Idempotency-Key', async () => {
    const headers = authHeaders(undefined, { 'content-type': 'video/mp4', 'idempotency-key': 'same-upload' });
    const first = await send(`${server.url}/jobs/thumbnail?duration=1`, {
      method: 'POST',
      headers,
      body: clip,
    });
    const second = await send(`${server.url}/jobs/thumbnail?duration=1`, {
      method: 'POST',
      headers,
      body: clip,
    });
    expect(second.json<{ job_id: string }>().job_id).toBe(first.json<{ job_id: string }>().job_id);
    const doc = await wait(first.json<{ job_id: string }>().job_id);
    expect(doc.result).toMatchObject({ format: 'mp4', mime_type: 'video/mp4' });
  });
});

describe('a signed webhook from the single-process default', () => {
  it('is verified by a real local receiver (WEBHOOK_ALLOW_PRIVATE=true); a failed attempt is retried and logged', async () => {
    const bodies: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ headers: req.headers, body: Buffer.concat(chunks) });
        // The first attempt fails: it is retried, and the failure is in the service's log.
        res.statusCode = bodies.length === 1 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    // No model needed for a plain thumbnail: a fast server.
    const server = await startServer({
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      MODEL: 'none',
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'emothumb-jobs-hook-'));
      const format = PHONE_FORMATS.find((f) => f.id === 'android-h264-aac')!;
      const clip = await readFile(makePhoneClip(await makePhoneSource(dir, 2), format, dir, 2));
      const res = await send(`${server.url}/jobs/thumbnail`, {
        method: 'POST',
        headers: authHeaders(undefined, { 'content-type': 'application/json' }),
        body: JSON.stringify({ content: clip.toString('base64'), duration: 1, callback_url: url }),
      });
      expect(res.status, res.body.toString()).toBe(202);
      for (let i = 0; i < 300 && bodies.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(bodies).toHaveLength(2);
      const jobId = res.json<{ job_id: string }>().job_id;
      const failure = server
        .output()
        .split('\n')
        .find((l) => l.includes('webhook delivery failed'));
      expect(failure, server.output()).toBeDefined();
      expect(JSON.parse(failure!)).toMatchObject({ level: 40, job_id: jobId, attempt: 1, status_code: 503 });
      const hook = bodies[1]!;
      expect(verifyWebhookSignature(hook.body, hook.headers['x-signature'] as string, SECRET)).toBe(true);
      const doc = JSON.parse(hook.body.toString()) as JobDoc;
      expect(doc).toMatchObject({ job_id: res.json<{ job_id: string }>().job_id, status: 'succeeded' });
      await rm(dir, { recursive: true, force: true });
    } finally {
      await server.dispose();
      receiver.close();
    }
  }, 300_000);
});
