/**
 * The async job API in process, as the single-process default serves it: `buildApp` with a
 * real SQLite store, the real JobsService, LocalJobDispatcher, JobLifecycle and webhook
 * deliverer, over a stub job port (no FFmpeg, no models). The end-to-end suites
 * (test/e2e/jobs-*.test.ts) run the same contract on real videos, Redis and PostgreSQL.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config/config.js';
import { AppError } from '../../src/errors.js';
import { clipResultBody } from '../../src/http/tasks.js';
import { JobMetrics } from '../../src/http/job-metrics.js';
import type { ClipJobResult } from '../../src/jobs/clip-job.types.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import { ClipService, type ClipJobPort } from '../../src/services/clip.service.js';
import { LocalJobDispatcher } from '../../src/services/job-dispatch.js';
import { JobLifecycle } from '../../src/services/job-lifecycle.js';
import { JobsService } from '../../src/services/jobs.service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { deliveryRecord, WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { stubThumbnail } from '../helpers/stub-results.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const SECRET = 'webhook-secret-for-tests';
const VIDEO = Buffer.from('stub video bytes');

/** A job port whose jobs wait until released, so tests can see queued/running states. */
class GatedPort implements ClipJobPort {
  readonly seen: ClipJob[] = [];
  saturated = false;
  failWith: Error | undefined;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }

  async run(job: ClipJob): Promise<ClipJobResult> {
    this.seen.push(job);
    await readFile(job.inputPath); // the upload must still be there when the job runs
    await this.gate;
    if (this.failWith) throw this.failWith;
    return {
      video: {} as ClipJobResult['video'],
      prediction: job.predict
        ? {
            emotion: 'Happy',
            confidence: 0.9,
            probabilities: { Anger: 0.02, Happy: 0.9, Shock: 0.03, Neutral: 0.03, Sad: 0.02 },
            frames_analyzed: 15,
            frames_with_face: 15,
            timeline: [],
            peak_t: 1,
            peakIndex: 7,
            model: 'stub',
            face: null,
          }
        : undefined,
      thumbnail: job.thumbnail ? stubThumbnail(Buffer.from('mp4')) : undefined,
      timings: {},
    };
  }
  isSaturated(): boolean {
    return this.saturated;
  }
}

interface Accepted {
  job_id: string;
  status: string;
  status_url: string;
}
interface JobDoc {
  job_id: string;
  task: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  result: Record<string, unknown> | null;
  error: { error: string; code: string } | null;
  status_url: string;
}

describe('async jobs in the single-process default (buildApp + inject, SQLite)', () => {
  let dir: string;
  let config: Readonly<Config>;
  let store: Store;
  let port: GatedPort;
  let app: FastifyInstance;
  let webhooks: WebhookDeliverer;
  let clock = Date.now();
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
  let receiverStatuses: number[] = [];
  let clientA: string;
  let clientB: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-jobs-inject-'));
    await mkdir(join(dir, 'tmp'));
    config = parseConfig({
      API_KEY: ADMIN_KEY,
      DATA_DIR: dir,
      RATE_LIMIT_PER_MINUTE: '0',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_SECONDS: '5',
    });
    store = await openStore({ dataDir: dir });
    port = new GatedPort();
    const metrics = new JobMetrics({ jobCounts: () => store.jobs.countByStatus() });
    // Loopback receivers are refused by the service below; the deliverer itself may reach them.
    webhooks = new WebhookDeliverer({
      secret: SECRET,
      allowPrivate: true,
      retrySeconds: 5,
      onAttempt: (a) => store.jobs.recordDelivery(deliveryRecord(a)),
      onDone: (o) => metrics.webhook(o),
    });
    const lifecycle = new JobLifecycle(store.jobs, clipResultBody, webhooks, (j) => metrics.observeEnd(j));
    const clips = new ClipService(port, config);
    const jobs = new JobsService(store.jobs, clips, new LocalJobDispatcher(port, lifecycle), {
      ttlHours: config.jobTtlHours,
      webhookSecret: SECRET,
      webhookAllowPrivate: false,
      // example.test resolves to a public address, private.test to a private one.
      resolver: async (host) =>
        host === 'receiver.test' ? ['93.184.216.34'] : host === 'private.test' ? ['10.0.0.7'] : [],
      now: () => new Date(clock),
    });
    app = await buildApp({
      config,
      store,
      clips,
      jobs,
      jobMetrics: metrics,
      tmpDir: join(dir, 'tmp'),
      stats: () => ({}),
      isReady: () => true,
      version: 'test',
      logger: false,
    });
    await app.ready();
    clientA = (await store.keys.create({ role: 'client', client_id: 'app-a' })).key;
    clientB = (await store.keys.create({ role: 'client', client_id: 'app-b' })).key;

    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(receiverStatuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address() as { port: number };
    receiverUrl = `http://127.0.0.1:${address.port}/hook`;
  });

  afterAll(async () => {
    await app?.close();
    await webhooks?.close(100);
    await store?.close();
    receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    port.saturated = false;
    port.failWith = undefined;
    port.release();
    clock = Date.now();
  });

  const auth = (key = ADMIN_KEY, extra: Record<string, string> = {}) => ({
    'x-api-key': key,
    date: new Date().toISOString(),
    ...extra,
  });
  const raw = (url: string, key = ADMIN_KEY, extra: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url,
    headers: auth(key, { 'content-type': 'video/mp4', ...extra }),
    payload: VIDEO,
  });
  const poll = async (id: string, key = ADMIN_KEY): Promise<JobDoc> => {
    for (let i = 0; i < 200; i++) {
      const res = await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth(key) });
      expect(res.statusCode).toBe(200);
      const doc = res.json<JobDoc>();
      if (doc.status === 'succeeded' || doc.status === 'failed') return doc;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('job did not end');
  };

  it('accepts a raw upload with 202, a Location header and the status URL, then serves the result', async () => {
    port.hold();
    const res = await app.inject(raw('/jobs/predict'));
    expect(res.statusCode).toBe(202);
    const body = res.json<Accepted>();
    expect(body).toEqual({
      job_id: expect.any(String),
      status: 'queued',
      status_url: `/jobs/${body.job_id}`,
    });
    expect(res.headers.location).toBe(`/jobs/${body.job_id}`);

    const pending = await app.inject({ method: 'GET', url: body.status_url, headers: auth() });
    expect(pending.json<JobDoc>()).toMatchObject({
      status: 'running',
      result: null,
      error: null,
      finished_at: null,
    });
    port.release();
    const doc = await poll(body.job_id);
    expect(doc).toMatchObject({ job_id: body.job_id, task: 'predict', status: 'succeeded', error: null });
    expect(doc.result).toMatchObject({
      emotion: 'Happy',
      prediction: 'Happy',
      confidence: 0.9,
      model: 'stub',
    });
    expect(typeof doc.result!.latency_ms).toBe('number');
    expect(Date.parse(doc.finished_at!)).toBeGreaterThanOrEqual(Date.parse(doc.created_at));
  });

  it('takes the sync endpoints bodies and options: base64 JSON and a thumbnail, an analyze', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/jobs/thumbnail',
      headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
      payload: { encoding: 'base64', format: 'mp4', content: VIDEO.toString('base64'), duration: 2 },
    });
    expect(res.statusCode).toBe(202);
    expect(port.seen.at(-1)!.thumbnail).toMatchObject({ durationSec: 2, anchor: 'whole' });
    const doc = await poll(res.json<Accepted>().job_id);
    expect(doc.result).toMatchObject({ format: 'mp4', mime_type: 'video/mp4', frames: 29 });
    expect(doc.result).not.toHaveProperty('emotion');

    const analyze = await app.inject(raw('/jobs/analyze?max_size=240'));
    expect(analyze.statusCode).toBe(202);
    expect(port.seen.at(-1)!.thumbnail).toMatchObject({ maxSize: 240, anchor: 'peak', crop: 'face' });
    const analyzed = await poll(analyze.json<Accepted>().job_id);
    expect(analyzed.result).toMatchObject({ emotion: 'Happy', thumbnail: { format: 'mp4' } });
  });

  it('refuses bad options like the sync endpoints, and queues nothing', async () => {
    const before = port.seen.length;
    const res = await app.inject(raw('/jobs/thumbnail?duration=11'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_duration' });
    const unknown = await app.inject({
      method: 'POST',
      url: '/jobs/predict',
      headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
      payload: { content: VIDEO.toString('base64'), colour: 'red' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'invalid_request' });
    const empty = await app.inject({ ...raw('/jobs/predict'), payload: Buffer.alloc(0) });
    expect(empty.json()).toMatchObject({ code: 'missing_video' });
    expect(port.seen.length).toBe(before);
  });

  it('records a failed job with the code the sync endpoint gives', async () => {
    port.failWith = new AppError('no_face', 'No face was found in any analysed frame.');
    const res = await app.inject(raw('/jobs/predict'));
    const doc = await poll(res.json<Accepted>().job_id);
    expect(doc).toMatchObject({ status: 'failed', result: null, error: { code: 'no_face' } });
  });

  it('takes photos on /jobs/predict and /jobs/analyze by every transport; /jobs/thumbnail fails with still_image', async () => {
    const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    const boundary = '----jobsPhotoBoundary';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="me.webp"\r\nContent-Type: image/webp\r\n\r\n`,
      ),
      photo,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (const task of ['predict', 'analyze'] as const) {
      const sent = [
        await app.inject({
          ...raw(`/jobs/${task}`, ADMIN_KEY, { 'content-type': 'image/jpeg' }),
          payload: photo,
        }),
        await app.inject({
          ...raw(`/jobs/${task}`, ADMIN_KEY, { 'content-type': 'image/png' }),
          payload: photo,
        }),
        await app.inject({
          method: 'POST',
          url: `/jobs/${task}`,
          headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
          payload: { encoding: 'base64', format: 'jpg', content: photo.toString('base64') },
        }),
        await app.inject({
          method: 'POST',
          url: `/jobs/${task}`,
          headers: auth(ADMIN_KEY, { 'content-type': `multipart/form-data; boundary=${boundary}` }),
          payload: form,
        }),
      ];
      for (const res of sent) {
        expect(res.statusCode).toBe(202);
        expect((await poll(res.json<Accepted>().job_id)).status).toBe('succeeded');
      }
      for (const job of port.seen.slice(-sent.length)) expect(job.limits.stills).toBe(true);
    }
    port.failWith = new AppError('still_image');
    const thumb = await app.inject({
      ...raw('/jobs/thumbnail', ADMIN_KEY, { 'content-type': 'image/jpeg' }),
      payload: photo,
    });
    expect(thumb.statusCode).toBe(202);
    expect(port.seen.at(-1)!.limits.stills).toBe(false);
    expect(await poll(thumb.json<Accepted>().job_id)).toMatchObject({
      status: 'failed',
      error: { code: 'still_image', error: expect.stringMatching(/\/predict or \/analyze/) },
    });
  });

  it('answers 503 overloaded before reading the upload when the pool is full', async () => {
    port.saturated = true;
    const res = await app.inject(raw('/jobs/predict'));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'overloaded' });
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('returns the first job for a repeated Idempotency-Key and queues nothing more', async () => {
    port.hold();
    const first = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'entry-42' }));
    expect(first.statusCode).toBe(202);
    const id = first.json<Accepted>().job_id;
    const seen = port.seen.length;
    const again = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'entry-42' }));
    expect(again.statusCode).toBe(202);
    expect(again.json<Accepted>().job_id).toBe(id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(port.seen.length).toBe(seen);

    // Another client's same key is another job.
    const other = await app.inject(raw('/jobs/predict', clientB, { 'idempotency-key': 'entry-42' }));
    expect(other.json<Accepted>().job_id).not.toBe(id);
    port.release();
    await poll(id, clientA);

    const done = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'entry-42' }));
    expect(done.statusCode).toBe(200);
    expect(done.json<JobDoc>()).toMatchObject({ job_id: id, status: 'succeeded' });

    const bad = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'a b' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'bad_idempotency_key' });
  });

  it('refuses an Idempotency-Key reused for a different request: 422 idempotency_key_reused', async () => {
    const key = { 'idempotency-key': 'entry-43' };
    const first = await app.inject({
      method: 'POST',
      url: '/jobs/analyze?duration=2',
      headers: auth(clientA, { 'content-type': 'video/mp4', ...key }),
      payload: VIDEO,
    });
    expect(first.statusCode).toBe(202);
    const id = first.json<Accepted>().job_id;
    await poll(id, clientA);
    const seen = port.seen.length;

    // The same request by another transport, its options written differently: the same job.
    const sameAsJson = await app.inject({
      method: 'POST',
      url: '/jobs/analyze',
      headers: auth(clientA, key),
      payload: { encoding: 'base64', format: 'mp4', content: VIDEO.toString('base64'), duration: 2.0 },
    });
    expect(sameAsJson.statusCode).toBe(200);
    expect(sameAsJson.json<JobDoc>().job_id).toBe(id);

    const refusals = [
      // Another endpoint with the same bytes.
      raw('/jobs/predict', clientA, key),
      // The same endpoint with other options.
      { ...raw('/jobs/analyze?duration=3', clientA, key) },
      // The same endpoint and options with other bytes.
      { ...raw('/jobs/analyze?duration=2', clientA, key), payload: Buffer.from('another clip') },
    ];
    for (const request of refusals) {
      const res = await app.inject(request);
      expect(res.statusCode, String(request.url)).toBe(422);
      expect(res.json<{ code: string; error: string }>()).toMatchObject({ code: 'idempotency_key_reused' });
      expect(res.json<{ error: string }>().error).toContain(id);
    }
    // Nothing was queued for the refused requests, and the first job is untouched.
    expect(port.seen.length).toBe(seen);
    expect((await poll(id, clientA)).status).toBe('succeeded');
  });

  it("shows a client only its own client's jobs (404 job_not_found otherwise); the admin sees all", async () => {
    const res = await app.inject(raw('/jobs/predict', clientA));
    const id = res.json<Accepted>().job_id;
    await poll(id, clientA);
    const foreign = await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth(clientB) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'job_not_found' });
    const admin = await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth() });
    expect(admin.statusCode).toBe(200);
    const unknown = await app.inject({ method: 'GET', url: '/jobs/nope', headers: auth(clientA) });
    expect(unknown.json()).toMatchObject({ code: 'job_not_found' });
    const anonymous = await app.inject({ method: 'GET', url: `/jobs/${id}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('forgets a job after JOB_TTL_HOURS (404), and frees its idempotency key', async () => {
    const res = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'ttl-1' }));
    const id = res.json<Accepted>().job_id;
    await poll(id, clientA);
    clock = Date.now() + 24 * 3600_000 + 1000;
    const gone = await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth(clientA) });
    expect(gone.statusCode).toBe(404);
    const fresh = await app.inject(raw('/jobs/predict', clientA, { 'idempotency-key': 'ttl-1' }));
    expect(fresh.statusCode).toBe(202);
    expect(fresh.json<Accepted>().job_id).not.toBe(id);
  });

  it('refuses callback URLs that are not http(s) or resolve to non-public addresses', async () => {
    for (const url of [
      'ftp://receiver.test/x',
      'http://127.0.0.1:9/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest/meta-data',
      'http://private.test/x',
      'http://nowhere.test/x',
      'not a url',
    ]) {
      const res = await app.inject(raw(`/jobs/predict?callback_url=${encodeURIComponent(url)}`));
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ code: 'bad_callback_url' });
    }
    const inBody = await app.inject({
      method: 'POST',
      url: '/jobs/predict',
      headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
      payload: { content: VIDEO.toString('base64'), callback_url: 'http://10.1.2.3/hook' },
    });
    expect(inBody.json()).toMatchObject({ code: 'bad_callback_url' });
  });

  it('posts the finished job, signed, to its callback URL, retrying non-2xx answers', async () => {
    // The service refuses loopback receivers; this one is reached through a public-looking
    // host whose delivery the deliverer (allowPrivate) routes to the local receiver.
    received.length = 0;
    receiverStatuses = [500];
    const res = await app.inject({
      method: 'POST',
      url: '/jobs/predict',
      headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
      payload: { content: VIDEO.toString('base64'), callback_url: 'http://receiver.test/hook' },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json<Accepted>().job_id;
    await poll(id);
    // Deliver to the real local receiver (the stored URL's host does not resolve here).
    const job = (await store.jobs.get(id))!;
    expect(job.callback_url).toBe('http://receiver.test/hook');
    const doc = (await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: auth() })).json<JobDoc>();
    await webhooks.deliver(id, receiverUrl, doc);
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received.length).toBe(2);
    const last = received[1]!;
    expect(last.headers['x-job-id']).toBe(id);
    expect(verifyWebhookSignature(last.body, last.headers['x-signature'] as string, SECRET)).toBe(true);
    expect(verifyWebhookSignature(last.body, last.headers['x-signature'] as string, 'wrong')).toBe(false);
    expect(JSON.parse(last.body.toString())).toEqual(doc);
    for (let i = 0; i < 50; i++) {
      const d = await store.jobs.deliveries(id);
      if (d.some((x) => x.url === receiverUrl && x.ok)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const deliveries = (await store.jobs.deliveries(id)).filter((d) => d.url === receiverUrl);
    expect(deliveries.map((d) => [d.attempt, d.status_code, d.ok])).toEqual([
      [1, 500, false],
      [2, 200, true],
    ]);
  });

  it('answers hostile input on the job endpoints with clear JSON errors', async () => {
    const cases: { options: InjectOptions; status: number; code: string }[] = [
      {
        options: {
          method: 'POST',
          url: '/jobs/predict',
          headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
          payload: '{"content": ',
        },
        status: 400,
        code: 'bad_json',
      },
      {
        options: {
          method: 'POST',
          url: '/jobs/analyze',
          headers: auth(ADMIN_KEY, { 'content-type': 'application/json' }),
          payload: { content: VIDEO.toString('base64'), callback_url: 12345 },
        },
        status: 400,
        code: 'bad_callback_url',
      },
      {
        options: raw('/jobs/predict', ADMIN_KEY, { 'idempotency-key': 'k'.repeat(500) }),
        status: 400,
        code: 'bad_idempotency_key',
      },
      {
        options: raw('/jobs/predict?callback_url=javascript:alert(1)'),
        status: 400,
        code: 'bad_callback_url',
      },
      {
        options: { ...raw('/jobs/thumbnail'), headers: auth(ADMIN_KEY, { 'content-type': 'text/html' }) },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        options: { ...raw('/jobs/predict'), payload: Buffer.alloc(60 * 1024 * 1024) },
        status: 413,
        code: 'payload_too_large',
      },
      {
        options: { method: 'GET', url: `/jobs/${'x'.repeat(150)}`, headers: auth() },
        status: 404,
        code: 'job_not_found',
      },
      {
        options: { method: 'DELETE', url: '/jobs/predict', headers: auth() },
        status: 405,
        code: 'method_not_allowed',
      },
      {
        options: {
          method: 'POST',
          url: '/jobs/predict',
          headers: { 'content-type': 'video/mp4' },
          payload: VIDEO,
        },
        status: 401,
        code: 'unauthorized',
      },
    ];
    for (const c of cases) {
      const res = await app.inject(c.options);
      expect(res.statusCode, `${c.options.method} ${c.options.url}`).toBe(c.status);
      expect(res.json(), `${c.options.method} ${c.options.url}`).toMatchObject({
        code: c.code,
        error: expect.any(String),
      });
    }
    // A callback in a multipart form field is checked like the others.
    const boundary = 'XyZ';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="callback_url"\r\n\r\nhttp://10.0.0.1/x\r\n`,
      ),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
      ),
      VIDEO,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const form = await app.inject({
      method: 'POST',
      url: '/jobs/predict',
      headers: auth(ADMIN_KEY, { 'content-type': `multipart/form-data; boundary=${boundary}` }),
      payload: multipart,
    });
    expect(form.json()).toMatchObject({ code: 'bad_callback_url' });
  });

  it('exposes jobs by state and job latency in /metrics, and logs job requests', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: auth() });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/emothumb_jobs_by_status\{status="succeeded"\} [1-9]/);
    expect(res.body).toMatch(
      /emothumb_job_duration_seconds_count\{task="predict",status="succeeded"\} [1-9]/,
    );
    expect(res.body).toMatch(/emothumb_webhook_deliveries_total\{outcome="delivered"\} 1/);
    const logs = await store.logs.query({ endpoint: '/jobs/predict', limit: 1000 });
    expect(logs.logs.some((l) => l.status_code === 202)).toBe(true);
    const polls = await store.logs.query({ limit: 1000 });
    expect(polls.logs.some((l) => l.endpoint.startsWith('/jobs/') && l.request_method === 'GET')).toBe(true);
  });
});
