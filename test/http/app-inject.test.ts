/**
 * The HTTP contract, in process: `buildApp` with a real SQLite store and the real upload
 * handling, over a ClipService whose job port is a stub (no FFmpeg, no models, no
 * worker processes). Requests go through Fastify's `inject`. The end-to-end suites in
 * test/e2e check the same contract against the real server and real videos.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';

import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config/config.js';
import { AppError } from '../../src/errors.js';
import type { ClipJobResult, ThumbnailRequest, ThumbnailResult } from '../../src/jobs/clip-job.types.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import { clipResultBody } from '../../src/http/tasks.js';
import { ClipService, type ClipJobPort } from '../../src/services/clip.service.js';
import { LocalJobDispatcher } from '../../src/services/job-dispatch.js';
import { JobLifecycle } from '../../src/services/job-lifecycle.js';
import { JobsService } from '../../src/services/jobs.service.js';
import { openStore, type RequestLogEntry, type Store } from '../../src/store/index.js';
import type { Prediction } from '../../src/vision/index.js';
import { stubThumbnail, stubVideoInfo } from '../helpers/stub-results.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const VERSION = '9.9.9-test';
/** MAX_UPLOAD_MB=0.05: small enough to test 413 with a small buffer. */
const MAX_UPLOAD_BYTES = Math.round(0.05 * 1024 * 1024);

// ---------------------------------------------------------------------------------------------
// Canned worker answers: unrounded values, so that the HTTP edge's rounding shows.

const PREDICTION: Prediction = {
  emotion: 'Happy',
  confidence: 0.912345678,
  probabilities: {
    Anger: 0.012345678,
    Happy: 0.912345678,
    Shock: 0.033333333,
    Neutral: 0.029999999,
    Sad: 0.011975312,
  },
  frames_analyzed: 15,
  frames_with_face: 14,
  timeline: [
    {
      t: 0,
      emotion: 'Neutral',
      confidence: 0.700049,
      probabilities: { Anger: 0.1, Happy: 0.1, Shock: 0.05, Neutral: 0.700049, Sad: 0.049951 },
    },
    { t: 0.2066666, emotion: null, confidence: null, probabilities: null },
    {
      t: 1.0333333,
      emotion: 'Happy',
      confidence: 0.95555555,
      probabilities: { Anger: 0.01, Happy: 0.95555555, Shock: 0.01, Neutral: 0.01444445, Sad: 0.01 },
    },
  ],
  peak_t: 1.0333333,
  peakIndex: 2,
  model: 'stub-model-v1',
  face: { x: 0.312345, y: 0.1, width: 0.4, height: 0.6 },
};

/** PREDICTION as /predict must show it. */
const PREDICTION_BODY = {
  emotion: 'Happy',
  confidence: 0.9123,
  uncertain: false,
  prediction: 'Happy',
  probabilities: { Anger: 0.0123, Happy: 0.9123, Shock: 0.0333, Neutral: 0.03, Sad: 0.012 },
  frames_analyzed: 15,
  frames_with_face: 14,
  timeline: [
    {
      t: 0,
      emotion: 'Neutral',
      confidence: 0.7,
      probabilities: { Anger: 0.1, Happy: 0.1, Shock: 0.05, Neutral: 0.7, Sad: 0.05 },
    },
    { t: 0.207, emotion: null, confidence: null, probabilities: null },
    {
      t: 1.033,
      emotion: 'Happy',
      confidence: 0.9556,
      probabilities: { Anger: 0.01, Happy: 0.9556, Shock: 0.01, Neutral: 0.0144, Sad: 0.01 },
    },
  ],
  peak_t: 1.033,
  face: { x: 0.3123, y: 0.1, width: 0.4, height: 0.6 },
  model: 'stub-model-v1',
};

const THUMBNAIL_BYTES = Buffer.from('fake-mp4');

const THUMBNAIL_BODY = {
  thumbnail: THUMBNAIL_BYTES.toString('base64'),
  format: 'mp4',
  mime_type: 'video/mp4',
  width: 480,
  height: 270,
  fps: 10,
  frames: 29,
  duration: 2.9,
};

const DEFAULT_THUMBNAIL: ThumbnailRequest = {
  durationSec: 3,
  format: 'mp4',
  maxSize: 480,
  crop: 'none',
  anchor: 'whole',
};

/** Some bytes to upload: the stub port never decodes them. */
const VIDEO = Buffer.from('not really a video, but the stub port does not care \u0000\u0001\u0002');

// ---------------------------------------------------------------------------------------------
// The stub job port.

interface SeenJob {
  job: ClipJob;
  /** The upload as it was on disk while the job ran. */
  bytes: Buffer;
}

class StubJobPort implements ClipJobPort {
  readonly seen: SeenJob[] = [];
  saturated = false;
  /** Thrown by the next run() instead of answering. */
  failNext: Error | undefined;
  /** Changes to PREDICTION for the next run()'s answer. */
  predictionNext: Partial<Prediction> | undefined;
  /** Changes to the thumbnail of the next run()'s answer (a photo's still cover). */
  thumbnailNext: Partial<ThumbnailResult> | undefined;

  async run(job: ClipJob): Promise<ClipJobResult> {
    this.seen.push({ job, bytes: await readFile(job.inputPath) });
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    return {
      video: stubVideoInfo(),
      prediction: job.predict ? { ...structuredClone(PREDICTION), ...this.takePrediction() } : undefined,
      thumbnail: job.thumbnail
        ? stubThumbnail(Buffer.from(THUMBNAIL_BYTES), this.takeThumbnail())
        : undefined,
      timings: { decode: 1.5, model: 2.5 },
    };
  }

  isSaturated(): boolean {
    return this.saturated;
  }

  private takeThumbnail(): Partial<ThumbnailResult> {
    const next = this.thumbnailNext ?? {};
    this.thumbnailNext = undefined;
    return next;
  }

  private takePrediction(): Partial<Prediction> {
    const next = this.predictionNext ?? {};
    this.predictionNext = undefined;
    return next;
  }

  last(): SeenJob {
    const seen = this.seen.at(-1);
    if (!seen) throw new Error('the stub port got no job');
    return seen;
  }
}

/** The job API over the same stub port (its own tests are in jobs-inject.test.ts). */
function jobsOver(
  store: Store,
  clips: ClipService,
  port: ClipJobPort,
  config: Readonly<Config>,
): JobsService {
  const lifecycle = new JobLifecycle(store.jobs, clipResultBody, undefined);
  return new JobsService(store.jobs, clips, new LocalJobDispatcher(port, lifecycle), {
    ttlHours: config.jobTtlHours,
    webhookSecret: undefined,
    webhookAllowPrivate: false,
  });
}

// ---------------------------------------------------------------------------------------------

interface LogsBody {
  logs: (RequestLogEntry & { id: number })[];
  count: number;
  next_cursor: string | null;
  latency_ms: number;
}

interface ErrorBody {
  error: string;
  code: string;
  request_id?: string;
}

describe('HTTP API in process (buildApp + inject, SQLite store, stub job port)', () => {
  let dir: string;
  let tmpDir: string;
  let config: Readonly<Config>;
  let store: Store;
  let port: StubJobPort;
  let app: FastifyInstance;
  let ready = true;
  const stats = { workers: 2, busy: 0, queued: 0, completed: 7, failed: 1, crashed: 0 };
  /** Every response: its request id and status, to find in the request log at the end. */
  const answered: { id: string; status: number; url: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-inject-'));
    tmpDir = join(dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    config = parseConfig({
      API_KEY: ADMIN_KEY,
      DATA_DIR: dir,
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_UPLOAD_MB: '0.05',
    });
    store = await openStore({ dataDir: config.dataDir });
    port = new StubJobPort();
    const clips = new ClipService(port, config);
    app = await buildApp({
      config,
      store,
      clips,
      jobs: jobsOver(store, clips, port, config),
      tmpDir,
      stats: () => ({ ...stats }),
      isReady: () => ready,
      version: VERSION,
      logger: false,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    port.saturated = false;
    port.failNext = undefined;
    ready = true;
  });

  /** Headers of a seed client: the key and a fresh date. */
  const auth = (key = ADMIN_KEY, extra: Record<string, string> = {}): Record<string, string> => ({
    'x-api-key': key,
    date: new Date().toISOString(),
    ...extra,
  });

  async function call(options: InjectOptions): Promise<LightMyRequestResponse> {
    const res = await app.inject(options);
    const id = res.headers['x-request-id'];
    expect(typeof id).toBe('string');
    answered.push({ id: id as string, status: res.statusCode, url: String(options.url) });
    return res;
  }

  /** POST the seed's JSON body. */
  const postJson = (url: string, body: unknown, headers: Record<string, string> = auth()) =>
    call({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const seed = (extra: Record<string, unknown> = {}) => ({
    encoding: 'base64',
    format: 'mp4',
    fps: 30,
    content: VIDEO.toString('base64'),
    ...extra,
  });

  const postRaw = (url: string, body: Buffer, contentType = 'application/octet-stream') =>
    call({ method: 'POST', url, headers: { ...auth(), 'content-type': contentType }, payload: body });

  function multipart(parts: { name: string; filename?: string; data: Buffer | string }[]) {
    const boundary = '----emothumbInjectBoundary7MA4YWxk';
    const chunks: Buffer[] = [];
    for (const part of parts) {
      const disposition = part.filename
        ? `form-data; name="${part.name}"; filename="${part.filename}"`
        : `form-data; name="${part.name}"`;
      const type = part.filename ? 'Content-Type: video/mp4\r\n' : '';
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
        Buffer.from(part.data),
        Buffer.from('\r\n'),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat(chunks),
    };
  }

  const getLogs = async (query = '', key = ADMIN_KEY, body?: unknown) => {
    const res = await call({
      method: 'GET',
      url: `/logs${query}`,
      headers: { ...auth(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json<LogsBody>(), res };
  };

  /** The log entry of one response, read straight from the store. */
  async function logEntryOf(res: LightMyRequestResponse): Promise<RequestLogEntry & { id: number }> {
    const id = res.headers['x-request-id'];
    const page = await store.logs.query({ limit: 1000 });
    const entry = page.logs.find((l) => l.request_id === id);
    if (!entry) throw new Error(`no log entry for request ${String(id)}`);
    return entry;
  }

  function expectError(res: LightMyRequestResponse, status: number, code: string): ErrorBody {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const body = res.json<ErrorBody>();
    expect(body.code).toBe(code);
    expect(typeof body.error).toBe('string');
    expect(body.error.length).toBeGreaterThan(0);
    return body;
  }

  // -------------------------------------------------------------------------------------------

  describe('API key', () => {
    it('refuses a missing key with 401 unauthorized', async () => {
      const res = await call({ method: 'GET', url: '/logs', headers: { date: new Date().toISOString() } });
      expectError(res, 401, 'unauthorized');
      expect(res.json()).toEqual({ error: 'Unauthorized', code: 'unauthorized' });
    });

    it('refuses a wrong key with 401, before looking at the date header', async () => {
      const wrong = await call({ method: 'GET', url: '/logs', headers: auth('not-the-key') });
      expect(wrong.json()).toEqual({ error: 'Unauthorized', code: 'unauthorized' });
      expect(wrong.statusCode).toBe(401);
      const wrongNoDate = await call({ method: 'GET', url: '/logs', headers: { 'x-api-key': 'nope' } });
      expectError(wrongNoDate, 401, 'unauthorized');
      const predict = await postJson('/predict', seed(), { date: new Date().toISOString() });
      expectError(predict, 401, 'unauthorized');
      expect(port.seen).toHaveLength(0);
    });

    it('accepts the admin key from config.apiKey, logged as the env-admin key', async () => {
      const res = await call({ method: 'GET', url: '/logs', headers: auth() });
      expect(res.statusCode).toBe(200);
      expect((await logEntryOf(res)).key_id).toBe('env-admin');
    });

    it('accepts an admin key from the store, and not once it is revoked', async () => {
      const { record, key } = await store.keys.create({ role: 'admin', client_id: null, label: 'ops' });
      const ok = await call({ method: 'GET', url: '/logs', headers: auth(key) });
      expect(ok.statusCode).toBe(200);
      expect((await logEntryOf(ok)).key_id).toBe(record.id);
      expect(await store.keys.revoke(record.id)).toBe(true);
      expectError(await call({ method: 'GET', url: '/logs', headers: auth(key) }), 401, 'unauthorized');
    });

    it('serves /metrics to an admin key only', async () => {
      const { key } = await store.keys.create({ role: 'client', client_id: 'metrics-client' });
      // A known client key is forbidden (403), not unknown (401).
      const refused = await call({ method: 'GET', url: '/metrics', headers: auth(key) });
      expectError(refused, 403, 'forbidden');
      expect(refused.json<{ error: string }>().error).toMatch(/admin key/);
      const res = await call({ method: 'GET', url: '/metrics', headers: auth() });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('emothumb_http_requests_total');
      expect(res.body).toMatch(/emothumb_jobs\{kind="completed"\} 7/);
    });
  });

  describe('date header', () => {
    const withKey = (headers: Record<string, string>) =>
      call({ method: 'GET', url: '/logs', headers: { 'x-api-key': ADMIN_KEY, ...headers } });

    it('requires one: missing_date', async () => {
      expectError(await withKey({}), 400, 'missing_date');
      expectError(await withKey({ date: '  ' }), 400, 'missing_date');
    });

    it('refuses an unparsable one: bad_date', async () => {
      expectError(await withKey({ date: 'yesterday' }), 400, 'bad_date');
      expectError(await withKey({ date: '2025-02-31T00:00:00Z' }), 400, 'bad_date');
      const viaX = await withKey({ 'x-date': 'not a date' });
      expectError(viaX, 400, 'bad_date');
      // The message names the header the client sent.
      expect(viaX.json<{ error: string }>().error).toContain('"x-date"');
      expect((await withKey({ date: 'yesterday' })).json<{ error: string }>().error).toContain('"date"');
    });

    it('refuses one too far from the server clock: clock_skew', async () => {
      expectError(await withKey({ date: '2001-01-01T00:00:00Z' }), 400, 'clock_skew');
      const later = new Date(Date.now() + 20 * 60_000).toISOString();
      const body = expectError(await withKey({ date: later }), 400, 'clock_skew');
      expect(body.error).toContain('900 s');
    });

    it('accepts ISO 8601 (with or without a zone), HTTP dates and x-date', async () => {
      const now = new Date();
      expect((await withKey({ date: now.toISOString() })).statusCode).toBe(200);
      expect((await withKey({ date: now.toISOString().replace('Z', '') })).statusCode).toBe(200);
      expect((await withKey({ date: now.toUTCString() })).statusCode).toBe(200);
      expect((await withKey({ 'x-date': now.toISOString() })).statusCode).toBe(200);
      // A few minutes off is within MAX_CLOCK_SKEW_SECONDS (900).
      expect((await withKey({ date: new Date(Date.now() - 5 * 60_000).toISOString() })).statusCode).toBe(200);
    });

    it('accepts what `date -u -R` and `date -R` write, and ISO 8601 with an offset', async () => {
      const dateR = execFileSync('date', ['-u', '-R'], { encoding: 'utf8' }).trim();
      expect(dateR).toMatch(/\+0000$/);
      expect((await withKey({ date: dateR })).statusCode).toBe(200);
      const local = execFileSync('date', ['-R'], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'Asia/Kolkata' },
      });
      expect(local.trim()).toMatch(/\+0530$/);
      expect((await withKey({ 'x-date': local.trim() })).statusCode).toBe(200);
      const isoOffset = execFileSync('date', ['-Iseconds'], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'America/New_York' },
      });
      expect((await withKey({ date: isoOffset.trim() })).statusCode).toBe(200);
    });

    it('is checked on the video endpoints too, before any job', async () => {
      const res = await postJson('/predict', seed(), { 'x-api-key': ADMIN_KEY });
      expectError(res, 400, 'missing_date');
      expect(port.seen).toHaveLength(0);
    });
  });

  describe('the seed JSON body', () => {
    it('answers invalid JSON with bad_json, empty body included', async () => {
      expectError(await postJson('/thumbnail', '{"content": '), 400, 'bad_json');
      expectError(await postJson('/predict', ''), 400, 'bad_json');
      expectError(await postJson('/analyze', '[1, 2'), 400, 'bad_json');
    });

    it('answers an encoding other than base64 with bad_encoding', async () => {
      expectError(await postJson('/thumbnail', seed({ encoding: 'hex' })), 400, 'bad_encoding');
    });

    it('answers content that is not base64 with bad_base64', async () => {
      expectError(await postJson('/thumbnail', seed({ content: 'not*base64!' })), 400, 'bad_base64');
      expectError(await postJson('/predict', seed({ content: 'data:video/mp4,AAAA' })), 400, 'bad_base64');
    });

    it('answers empty content, no content field and {} with missing_video', async () => {
      expectError(await postJson('/thumbnail', seed({ content: '' })), 400, 'missing_video');
      expectError(await postJson('/predict', { encoding: 'base64', format: 'mp4' }), 400, 'missing_video');
      expectError(await postJson('/predict', {}), 400, 'missing_video');
      expectError(await postJson('/jobs/analyze', {}), 400, 'missing_video');
      expect(port.seen).toHaveLength(0);
    });

    it('decodes the base64 content into a temporary file for the job, removed afterwards', async () => {
      const res = await postJson('/predict', seed());
      expect(res.statusCode).toBe(200);
      const { job, bytes } = port.last();
      expect(bytes.equals(VIDEO)).toBe(true);
      expect(dirname(job.inputPath)).toBe(tmpDir);
      expect(existsSync(job.inputPath)).toBe(false);
      expect(job.requestId).toBe(res.headers['x-request-id']);
    });

    it('accepts a data: URL prefix and whitespace in the base64', async () => {
      const b64 = VIDEO.toString('base64');
      const wrapped = `data:video/mp4;base64,${b64.slice(0, 10)}\n${b64.slice(10)}`;
      const res = await postJson('/predict', seed({ content: wrapped }));
      expect(res.statusCode).toBe(200);
      expect(port.last().bytes.equals(VIDEO)).toBe(true);
    });

    it('refuses content larger than MAX_UPLOAD_MB with payload_too_large', async () => {
      const before = port.seen.length;
      const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1, 7).toString('base64');
      expectError(await postJson('/predict', seed({ content: big })), 413, 'payload_too_large');
      expect(port.seen).toHaveLength(before);
    });
  });

  describe('one error per mistake, whatever the transport', () => {
    // Each mistake as a JSON field, a query parameter beside a raw upload, and a form field.
    const mistakes: {
      name: string;
      json: Record<string, unknown>;
      query: string;
      fields: [string, string][];
    }[] = [
      {
        name: 'a duration that is not a number',
        json: { duration: 'abc' },
        query: 'duration=abc',
        fields: [['duration', 'abc']],
      },
      { name: 'an empty duration', json: { duration: '' }, query: 'duration=', fields: [['duration', '']] },
      {
        name: 'a duration out of range',
        json: { duration: 99 },
        query: 'duration=99',
        fields: [['duration', '99']],
      },
      {
        name: 'an unknown output format',
        json: { output_format: 'tiff' },
        query: 'output_format=tiff',
        fields: [['output_format', 'tiff']],
      },
      { name: 'an empty crop', json: { crop: '' }, query: 'crop=', fields: [['crop', '']] },
      {
        name: 'a max_size that is not a number',
        json: { max_size: 'big' },
        query: 'max_size=big',
        fields: [['max_size', 'big']],
      },
      { name: 'an fps hint of 0', json: { fps: 0 }, query: 'fps=0', fields: [['fps', '0']] },
      {
        name: 'a repeated duration',
        json: { duration: [2, 3] },
        query: 'duration=2&duration=3',
        fields: [
          ['duration', '2'],
          ['duration', '3'],
        ],
      },
    ];
    for (const m of mistakes) {
      it(`gives ${m.name} the same code and message by JSON, query string and form field`, async () => {
        const byJson = await postJson('/thumbnail', seed(m.json));
        const byQuery = await postRaw(`/thumbnail?${m.query}`, VIDEO, 'video/mp4');
        const form = multipart([
          ...m.fields.map(([name, data]) => ({ name, data })),
          { name: 'video', filename: 'clip.mp4', data: VIDEO },
        ]);
        const byField = await call({
          method: 'POST',
          url: '/thumbnail',
          headers: { ...auth(), ...form.headers },
          payload: form.payload,
        });
        const bodies = [byJson, byQuery, byField].map((r) => ({
          status: r.statusCode,
          body: r.json<ErrorBody>(),
        }));
        expect(bodies[0]!.status).toBe(400);
        expect(bodies[1]).toEqual(bodies[0]);
        expect(bodies[2]).toEqual(bodies[0]);
      });
    }

    it("does not offer the JSON body's fields (encoding, thumbnail) to a raw upload's options", async () => {
      const res = await postRaw('/analyze?encoding=base64', VIDEO, 'video/mp4');
      const body = expectError(res, 400, 'invalid_request');
      expect(body.error).toContain('Unknown option "encoding"');
      expect(body.error).not.toMatch(/Known options: .*encoding/);
      expect(body.error).toMatch(/Known options: .*duration/);
    });

    it('refuses an option given in the JSON body and the query string with different values', async () => {
      const res = await call({
        method: 'POST',
        url: '/thumbnail?duration=3',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: JSON.stringify(seed({ duration: 2 })),
      });
      expect(expectError(res, 400, 'invalid_request').error).toContain('"duration"');
      const agreeing = await call({
        method: 'POST',
        url: '/thumbnail?duration=2',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: JSON.stringify(seed({ duration: 2 })),
      });
      expect(agreeing.statusCode).toBe(200);
    });
  });

  describe('raw and multipart uploads', () => {
    it('streams an application/octet-stream body to a temporary file', async () => {
      const res = await postRaw('/predict', VIDEO);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ emotion: 'Happy' });
      const { job, bytes } = port.last();
      expect(bytes.equals(VIDEO)).toBe(true);
      expect(dirname(job.inputPath)).toBe(tmpDir);
      expect(existsSync(job.inputPath)).toBe(false);
    });

    it('takes video/* bodies the same way, with options in the query string', async () => {
      const res = await postRaw(
        '/thumbnail?duration=1.5&output_format=gif&max_size=240&crop=square&anchor=whole',
        VIDEO,
        'video/webm',
      );
      expect(res.statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({
        durationSec: 1.5,
        format: 'gif',
        maxSize: 240,
        crop: 'square',
        anchor: 'whole',
      });
      expect(port.last().bytes.equals(VIDEO)).toBe(true);
    });

    it('answers an empty raw body with missing_video', async () => {
      expectError(await postRaw('/thumbnail', Buffer.alloc(0)), 400, 'missing_video');
    });

    it('refuses a raw body larger than MAX_UPLOAD_MB with payload_too_large', async () => {
      const before = port.seen.length;
      const res = await postRaw('/predict', Buffer.alloc(MAX_UPLOAD_BYTES + 100, 1));
      expectError(res, 413, 'payload_too_large');
      // The message says the limit.
      expect(res.json<{ error: string }>().error).toMatch(/limit of 0\.05 MB/);
      expect(port.seen).toHaveLength(before);
    });

    it('reads the clip from a multipart "video" field, with options from fields and the query', async () => {
      const form = multipart([
        { name: 'duration', data: '2' },
        { name: 'output_format', data: 'webp' },
        { name: 'crop', data: 'face' },
        { name: 'video', filename: 'clip.mp4', data: VIDEO },
      ]);
      const res = await call({
        method: 'POST',
        url: '/thumbnail?crop=face&anchor=peak',
        headers: { ...auth(), ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(200);
      const { job, bytes } = port.last();
      expect(bytes.equals(VIDEO)).toBe(true);
      expect(job.thumbnail).toEqual({
        ...DEFAULT_THUMBNAIL,
        durationSec: 2,
        format: 'webp',
        crop: 'face',
        anchor: 'peak',
      });
      expect(existsSync(job.inputPath)).toBe(false);
      // A field and a query parameter that disagree are a 400, not one silently winning.
      const conflicting = await call({
        method: 'POST',
        url: '/thumbnail?crop=square',
        headers: { ...auth(), ...form.headers },
        payload: form.payload,
      });
      expect(expectError(conflicting, 400, 'invalid_request').error).toContain('"crop"');
    });

    it('also reads option fields sent after the "video" field when they arrive with it', async () => {
      const form = multipart([
        { name: 'video', filename: 'clip.mp4', data: VIDEO },
        { name: 'duration', data: '2' },
      ]);
      const res = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({ ...DEFAULT_THUMBNAIL, durationSec: 2 });
    });

    // Regression: option fields after the file part used to be dropped when they arrived in a later chunk.
    it('reads an option field sent after the "video" field that arrives in a later chunk', async () => {
      const form = multipart([
        { name: 'video', filename: 'clip.mp4', data: VIDEO },
        { name: 'duration', data: '2' },
      ]);
      // The first chunk ends just before the field's value; the rest follows 100 ms later.
      const cut = form.payload.indexOf('name="duration"') + 'name="duration"\r\n\r\n'.length;
      const chunks = [form.payload.subarray(0, cut), form.payload.subarray(cut)];
      let next = 0;
      const body = new Readable({
        read() {
          const chunk = chunks[next++];
          if (next === 1) this.push(chunk);
          else if (chunk)
            setTimeout(() => {
              this.push(chunk);
              this.push(null);
            }, 100);
        },
      });
      const res = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), ...form.headers },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({ ...DEFAULT_THUMBNAIL, durationSec: 2 });
    });

    it('answers a multipart body without a "video" field with missing_video', async () => {
      const form = multipart([{ name: 'clip', filename: 'clip.mp4', data: VIDEO }]);
      const res = await call({
        method: 'POST',
        url: '/predict',
        headers: { ...auth(), ...form.headers },
        payload: form.payload,
      });
      expectError(res, 400, 'missing_video');
    });

    it('answers an unsupported Content-Type with 415 unsupported_media_type', async () => {
      expectError(
        await postRaw('/thumbnail', Buffer.from('hello'), 'text/plain'),
        415,
        'unsupported_media_type',
      );
      expectError(
        await postRaw('/predict', Buffer.from('<video/>'), 'application/xml'),
        415,
        'unsupported_media_type',
      );
    });

    it('leaves no temporary files behind', async () => {
      expect(await readdir(tmpDir)).toEqual([]);
    });
  });

  describe('still photos', () => {
    /** Bytes that start like a JPEG: the stub port never decodes them, the media layer probes. */
    const PHOTO = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('a photo, as far as HTTP knows'),
    ]);
    const photoForm = (type = 'image/jpeg') => {
      const boundary = '----emothumbPhotoBoundary';
      return {
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="photo.jpg"\r\nContent-Type: ${type}\r\n\r\n`,
          ),
          PHOTO,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]),
      };
    };

    for (const url of ['/predict', '/analyze'] as const) {
      it(`${url} takes a photo by every transport and asks the worker to score it as one frame`, async () => {
        const sent: LightMyRequestResponse[] = [];
        for (const type of [
          'image/jpeg',
          'image/png',
          'image/webp',
          'image/heic',
          'application/octet-stream',
        ])
          sent.push(await postRaw(url, PHOTO, type));
        // The seed's JSON: "format" is a hint (a wrong one included), the bytes are probed.
        for (const format of ['jpg', 'png', 'webp'])
          sent.push(await postJson(url, seed({ format, content: PHOTO.toString('base64') })));
        const form = photoForm();
        sent.push(
          await call({ method: 'POST', url, headers: { ...auth(), ...form.headers }, payload: form.payload }),
        );
        for (const res of sent) expect(res.statusCode).toBe(200);
        for (const { job, bytes } of port.seen.slice(-sent.length)) {
          expect(bytes.equals(PHOTO)).toBe(true);
          expect(job.limits.stills).toBe(true);
          expect(job.predict).toBe(true);
        }
      });
    }

    it('/thumbnail asks the worker to refuse a photo, and answers its still_image as 422', async () => {
      port.failNext = new AppError('still_image');
      const res = await postRaw('/thumbnail', PHOTO, 'image/jpeg');
      const body = expectError(res, 422, 'still_image');
      expect(body.error).toMatch(/\/predict or \/analyze/);
      expect(port.last().job.limits.stills).toBe(false);
      expect((await logEntryOf(res)).error_code).toBe('still_image');
      // Also when the model runs for the crop.
      await postRaw('/thumbnail?crop=face', PHOTO, 'image/png');
      expect(port.last().job.limits.stills).toBe(false);
    });

    it('answers a cut-off photo with 422 truncated_image, logged', async () => {
      port.failNext = new AppError(
        'truncated_image',
        'The JPEG image is cut off (its end is missing): send the whole file.',
      );
      const res = await postRaw('/predict', PHOTO.subarray(0, 8), 'image/jpeg');
      expectError(res, 422, 'truncated_image');
      expect(await logEntryOf(res)).toMatchObject({
        status_code: 422,
        error_code: 'truncated_image',
        success: false,
      });
    });

    it("/analyze of a photo answers the prediction with the still cover's description", async () => {
      port.predictionNext = {
        frames_analyzed: 1,
        frames_with_face: 1,
        timeline: [PREDICTION.timeline[0]!],
        peak_t: 0,
        peakIndex: 0,
      };
      port.thumbnailNext = {
        format: 'jpeg',
        mimeType: 'image/jpeg',
        width: 320,
        height: 320,
        fps: 0,
        frames: 1,
        durationSec: 0,
      };
      const res = await postRaw('/analyze', PHOTO, 'image/jpeg');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        frames_analyzed: 1,
        peak_t: 0,
        timeline: [{ t: 0 }],
        thumbnail: {
          format: 'jpeg',
          mime_type: 'image/jpeg',
          width: 320,
          height: 320,
          fps: 0,
          frames: 1,
          duration: 0,
        },
      });
    });

    it('documents the photo types on /predict and /analyze (sync and jobs), not on /thumbnail', async () => {
      const doc = (await call({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, { post?: { requestBody: { content: Record<string, unknown> } } }>;
      }>();
      const types = (path: string) => Object.keys(doc.paths[path]?.post?.requestBody.content ?? {});
      for (const path of ['/predict', '/analyze', '/jobs/predict', '/jobs/analyze'])
        expect(types(path)).toEqual(
          expect.arrayContaining(['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
        );
      for (const path of ['/thumbnail', '/jobs/thumbnail'])
        expect(types(path).some((t) => t.startsWith('image/'))).toBe(false);
    });

    it('still answers other Content-Types with 415, naming image/* among the accepted ones', async () => {
      const body = expectError(await postRaw('/predict', PHOTO, 'text/plain'), 415, 'unsupported_media_type');
      expect(body.error).toMatch(/image\/\*/);
    });
  });

  describe('thumbnail options', () => {
    it('answers a duration outside 0.1-10 s with invalid_duration, before any job', async () => {
      const before = port.seen.length;
      expectError(await postJson('/thumbnail', seed({ duration: 11 })), 400, 'invalid_duration');
      expectError(await postJson('/analyze', seed({ duration: 0.05 })), 400, 'invalid_duration');
      expectError(await postRaw('/thumbnail?duration=abc', VIDEO), 400, 'invalid_duration');
      expect(port.seen).toHaveLength(before);
    });

    it('answers other bad options with invalid_request', async () => {
      expectError(await postJson('/thumbnail', seed({ crop: 'circle' })), 400, 'invalid_request');
      expectError(await postRaw('/thumbnail?max_size=7', VIDEO), 400, 'invalid_request');
      expectError(await postRaw('/thumbnail?output_format=avi', VIDEO), 400, 'invalid_request');
    });

    it('defaults /thumbnail to 3 s of mp4 at 480, whole clip, no crop, without the model', async () => {
      expect((await postJson('/thumbnail', seed())).statusCode).toBe(200);
      const { job } = port.last();
      expect(job.thumbnail).toEqual(DEFAULT_THUMBNAIL);
      expect(job.predict).toBe(false);
      expect(job.faceOptional).toBe(false);
    });

    it('passes duration, format, size, crop and anchor to the job', async () => {
      const res = await postJson(
        '/thumbnail',
        seed({ duration: 1.2, output_format: 'webp', max_size: 0, crop: 'face', anchor: 'peak' }),
      );
      expect(res.statusCode).toBe(200);
      const { job } = port.last();
      expect(job.thumbnail).toEqual({
        durationSec: 1.2,
        format: 'webp',
        maxSize: 0,
        crop: 'face',
        anchor: 'peak',
      });
      // A face crop and a peak anchor need the model; a clip without a face is then no error.
      expect(job.predict).toBe(true);
      expect(job.faceOptional).toBe(true);
      expect(job.limits).toEqual({
        maxPixels: config.maxPixels,
        maxSeconds: config.maxVideoSeconds,
        minFrames: config.minFrames,
        // A boomerang needs a video: a photo is refused (still_image).
        stills: false,
      });
      expect(job.predictFrames).toBe(config.predictFrames);
    });

    it('defaults /analyze to the peak anchor and a face crop, which options override', async () => {
      expect((await postJson('/analyze', seed())).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({ ...DEFAULT_THUMBNAIL, anchor: 'peak', crop: 'face' });
      expect(port.last().job.predict).toBe(true);
      expect(port.last().job.faceOptional).toBe(false);

      expect((await postRaw('/analyze?anchor=whole&crop=none&duration=4', VIDEO)).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({ ...DEFAULT_THUMBNAIL, durationSec: 4 });
      expect(port.last().job.predict).toBe(true);
    });

    it('makes GIF covers at 320 px unless max_size says otherwise', async () => {
      expect((await postRaw('/thumbnail?output_format=gif', VIDEO)).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toMatchObject({ format: 'gif', maxSize: 320 });
      expect((await postRaw('/thumbnail?output_format=gif&max_size=480', VIDEO)).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toMatchObject({ format: 'gif', maxSize: 480 });
      expect((await postRaw('/thumbnail?output_format=webp', VIDEO)).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toMatchObject({ format: 'webp', maxSize: 480 });
    });

    it('honours /analyze\'s nested "thumbnail" options (they win over top-level ones)', async () => {
      const body = seed({ duration: 5, thumbnail: { duration: 2, output_format: 'webp', crop: 'square' } });
      expect((await postJson('/analyze', body)).statusCode).toBe(200);
      expect(port.last().job.thumbnail).toEqual({
        ...DEFAULT_THUMBNAIL,
        durationSec: 2,
        format: 'webp',
        crop: 'square',
        anchor: 'peak',
      });
      const bad = await postJson('/analyze', seed({ thumbnail: { durration: 2 } }));
      expectError(bad, 400, 'invalid_request');
      expect(bad.json<{ error: string }>().error).toContain('"thumbnail.durration"');
      expectError(await postJson('/analyze', seed({ thumbnail: 'short' })), 400, 'invalid_request');
    });

    it('refuses unknown options and absurd hints with invalid_request naming the field, before any job', async () => {
      const before = port.seen.length;
      const misspelt = await postRaw('/thumbnail?durration=2', VIDEO);
      expectError(misspelt, 400, 'invalid_request');
      expect(misspelt.json<{ error: string }>().error).toContain('"durration"');
      const onPredict = await postJson('/predict', seed({ duration: 2 }));
      expectError(onPredict, 400, 'invalid_request');
      expect(onPredict.json<{ error: string }>().error).toContain('"duration"');
      for (const fps of [-5, 0, 100_000, 'fast']) {
        const res = await postJson('/predict', seed({ fps }));
        expectError(res, 400, 'invalid_request');
        expect(res.json<{ error: string }>().error).toContain('"fps"');
      }
      // /thumbnail takes no nested "thumbnail" object.
      expectError(await postJson('/thumbnail', seed({ thumbnail: { duration: 2 } })), 400, 'invalid_request');
      expect(port.seen).toHaveLength(before);
      // The seed's four fields, as its clients send them, stay accepted.
      expect(
        (await postJson('/predict', seed({ encoding: 'base64', format: 'mp4', fps: 30 }))).statusCode,
      ).toBe(200);
      expect((await postJson('/thumbnail', seed({ fps: '29.97', format: 'mov' }))).statusCode).toBe(200);
    });
  });

  describe('response bodies', () => {
    it('/predict: the seed fields plus probabilities and timeline, rounded at the edge', async () => {
      const res = await postJson('/predict', seed(), auth(ADMIN_KEY, { 'x-client-id': 'app-ios' }));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<Record<string, unknown>>();
      expect(body).toEqual({ ...PREDICTION_BODY, latency_ms: expect.any(Number) as number });
      // The worker-internal peak fields stay inside.
      // The peak's time and the face box are the API's; the frame index is internal.
      expect(body).toHaveProperty('peak_t', 1.033);
      expect(body).not.toHaveProperty('peakIndex');
      expect(port.last().job.predict).toBe(true);
      expect(port.last().job.thumbnail).toBeUndefined();

      const entry = await logEntryOf(res);
      expect(entry).toMatchObject({
        endpoint: '/predict',
        request_method: 'POST',
        status_code: 200,
        success: true,
        prediction: 'Happy',
        confidence: 0.9123,
        model: 'stub-model-v1',
        client_id: 'app-ios',
        key_id: 'env-admin',
        error_code: null,
        error_message: null,
      });
    });

    it('/predict and /analyze flag a low-confidence answer as uncertain and keep its label', async () => {
      const mixed = {
        emotion: 'Sad' as const,
        confidence: 0.41,
        probabilities: { Anger: 0.1, Happy: 0.05, Shock: 0.05, Neutral: 0.39, Sad: 0.41 },
      };
      for (const url of ['/predict', '/analyze']) {
        port.predictionNext = mixed;
        const res = await postJson(url, seed());
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({
          emotion: 'Sad',
          prediction: 'Sad',
          confidence: 0.41,
          uncertain: true,
        });
      }
    });

    it('/thumbnail: the thumbnail JSON, with no prediction even when the model ran for the crop', async () => {
      const res = await postJson('/thumbnail', seed({ crop: 'face' }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...THUMBNAIL_BODY, latency_ms: expect.any(Number) as number });
      const entry = await logEntryOf(res);
      expect(entry.prediction).toBeNull();
      expect(entry.confidence).toBeNull();
    });

    it('/thumbnail with Accept: video/mp4 answers the raw file', async () => {
      const res = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'video/mp4' },
        payload: JSON.stringify(seed()),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('video/mp4');
      expect(res.rawPayload.equals(THUMBNAIL_BYTES)).toBe(true);
      expect(res.headers['x-thumbnail-frames']).toBe('29');
      expect(res.headers['x-latency-ms']).toMatch(/^\d+$/);
    });

    it('/thumbnail answers JSON when Accept names another type than the output_format asked for, but allows JSON', async () => {
      const res = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'image/webp, application/json' },
        payload: JSON.stringify(seed({ output_format: 'mp4' })),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject(THUMBNAIL_BODY);
    });

    it('/thumbnail: Accept picks the format when output_format is not given, or is 406', async () => {
      const before = port.seen.length;
      const webp = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'image/webp, application/json' },
        payload: JSON.stringify(seed()),
      });
      expect(webp.statusCode).toBe(200);
      // The raw file, made as WebP (the stub answers with its fixed bytes).
      expect(port.seen[before]!.job.thumbnail).toMatchObject({ format: 'webp' });
      expect(webp.rawPayload.equals(THUMBNAIL_BYTES)).toBe(true);

      const gifOnly = await call({
        method: 'POST',
        url: '/thumbnail?output_format=mp4',
        headers: { ...auth(), 'content-type': 'video/mp4', accept: 'image/gif' },
        payload: Buffer.from('fake video'),
      });
      expectError(gifOnly, 406, 'not_acceptable');
      expect(gifOnly.json<{ error: string }>().error).toContain('video/mp4');
      const html = await call({
        method: 'POST',
        url: '/predict',
        headers: { ...auth(), 'content-type': 'video/mp4', accept: 'text/html' },
        payload: Buffer.from('fake video'),
      });
      expectError(html, 406, 'not_acceptable');
    });

    it('/analyze: the prediction plus the thumbnail object (JSON; an Accept without JSON is 406)', async () => {
      const refused = await call({
        method: 'POST',
        url: '/analyze',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'video/mp4' },
        payload: JSON.stringify(seed()),
      });
      expectError(refused, 406, 'not_acceptable');
      const res = await call({
        method: 'POST',
        url: '/analyze',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'application/json, video/mp4' },
        payload: JSON.stringify(seed()),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        ...PREDICTION_BODY,
        thumbnail: { ...THUMBNAIL_BODY, latency_ms: expect.any(Number) as number },
        latency_ms: expect.any(Number) as number,
      });
      expect((await logEntryOf(res)).prediction).toBe('Happy');
    });
  });

  describe("the job port's errors", () => {
    it.each([
      ['no_face', 422, 'No face was found in any analysed frame.'],
      [
        'decode_failed',
        422,
        'The video crashed the worker in the video decoder (SIGSEGV); it was not processed.',
      ],
      ['processing_timeout', 422, 'The video took longer than 60 s to process.'],
      ['not_a_video', 422, 'The upload is not a decodable video.'],
      ['not_ready', 503, 'The service is starting (loading models); retry shortly.'],
      ['not_implemented', 501, 'No emotion model in this build.'],
    ] as const)('%s becomes %i with {error, code} and a request id', async (code, status, message) => {
      port.failNext = new AppError(code, message);
      const res = await postJson('/analyze', seed());
      expect(res.json()).toEqual({ error: message, code });
      expectError(res, status, code);
      expect(port.last().job.predict).toBe(true);
      expect(existsSync(port.last().job.inputPath)).toBe(false);
      expect(await logEntryOf(res)).toMatchObject({
        status_code: status,
        success: false,
        error_code: code,
        error_message: message,
        prediction: null,
      });
    });

    it('overloaded from the port becomes 503 with its Retry-After', async () => {
      port.failNext = new AppError('overloaded', undefined, { 'retry-after': '4' });
      const res = await postRaw('/predict', VIDEO);
      expectError(res, 503, 'overloaded');
      expect(res.headers['retry-after']).toBe('4');
    });

    it('any other error becomes 500 internal with the request id, and no stack trace', async () => {
      port.failNext = new Error('secret internals at /srv/app/x.js:12');
      const res = await postRaw('/thumbnail', VIDEO);
      const body = expectError(res, 500, 'internal');
      const id = res.headers['x-request-id'] as string;
      expect(body).toEqual({
        error: `Internal server error (request id ${id}).`,
        code: 'internal',
        request_id: id,
      });
      expect(res.body).not.toContain('x.js');
      expect(await logEntryOf(res)).toMatchObject({ status_code: 500, error_code: 'internal' });
    });
  });

  describe('overload', () => {
    it('answers 503 overloaded with Retry-After before reading the body', async () => {
      port.saturated = true;
      const before = port.seen.length;
      // A body that is not even JSON: reading it would have been a 400 bad_json.
      const notRead = await postJson('/predict', '{"content": ');
      expectError(notRead, 503, 'overloaded');
      expect(notRead.headers['retry-after']).toBe('2');

      // A raw body stream that records whether anything pulled from it.
      let pulled = false;
      const stream = new Readable({
        read() {
          pulled = true;
          this.push(VIDEO);
          this.push(null);
        },
      });
      const raw = await call({
        method: 'POST',
        url: '/thumbnail',
        headers: { ...auth(), 'content-type': 'application/octet-stream' },
        payload: stream,
      });
      expectError(raw, 503, 'overloaded');
      expect(pulled).toBe(false);
      expectError(await postJson('/analyze', seed()), 503, 'overloaded');
      expect(port.seen).toHaveLength(before);
      // The key is still checked first.
      expectError(
        await postJson('/predict', seed(), { date: new Date().toISOString() }),
        401,
        'unauthorized',
      );
    });

    it('serves the video endpoints again once the port has room (and then reads the body)', async () => {
      port.saturated = false;
      let pulled = false;
      const stream = new Readable({
        read() {
          pulled = true;
          this.push(VIDEO);
          this.push(null);
        },
      });
      const res = await call({
        method: 'POST',
        url: '/predict',
        headers: { ...auth(), 'content-type': 'application/octet-stream' },
        payload: stream,
      });
      expect(res.statusCode).toBe(200);
      expect(pulled).toBe(true);
      expect(port.last().bytes.equals(VIDEO)).toBe(true);
    });
  });

  describe('health, readiness and routing', () => {
    it('/health answers without a key, with the pool numbers and version', async () => {
      const res = await call({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        status: 'ok',
        version: VERSION,
        uptime_s: expect.any(Number) as number,
        jobs: stats,
      });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('/ready is 503 not_ready with Retry-After until isReady() is true', async () => {
      ready = false;
      const notReady = await call({ method: 'GET', url: '/ready' });
      expectError(notReady, 503, 'not_ready');
      expect(notReady.headers['retry-after']).toBe('2');
      ready = true;
      const res = await call({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready' });
    });

    it('answers unknown paths 404 not_found, with or without a key', async () => {
      expectError(await call({ method: 'GET', url: '/nope', headers: auth() }), 404, 'not_found');
      expectError(await call({ method: 'POST', url: '/predict/extra' }), 404, 'not_found');
    });

    it('answers a known path with the wrong method 405 method_not_allowed', async () => {
      expectError(await call({ method: 'GET', url: '/predict', headers: auth() }), 405, 'method_not_allowed');
      expectError(await call({ method: 'DELETE', url: '/logs', headers: auth() }), 405, 'method_not_allowed');
      expectError(await call({ method: 'POST', url: '/health?x=1' }), 405, 'method_not_allowed');
    });
  });

  describe('GET /logs', () => {
    it('lists entries newest first with every documented field', async () => {
      const { status, body } = await getLogs();
      expect(status).toBe(200);
      expect(body.count).toBe(body.logs.length);
      expect(body.count).toBeGreaterThan(20);
      const ids = body.logs.map((l) => l.id);
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      expect(Object.keys(body.logs[0]!).sort()).toEqual(
        [
          'id',
          'request_id',
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
          'error_code',
          'key_id',
          'model',
        ].sort(),
      );
    });

    it('filters by status_code', async () => {
      const { body } = await getLogs('?status_code=401');
      expect(body.count).toBeGreaterThanOrEqual(5);
      expect(body.logs.every((l) => l.status_code === 401 && l.error_code === 'unauthorized')).toBe(true);
      // Missing and wrong keys identify nobody (a known key refused /metrics is the exception).
      const anonymous = body.logs.filter((l) => l.endpoint !== '/metrics');
      expect(anonymous.length).toBeGreaterThanOrEqual(5);
      expect(anonymous.every((l) => l.key_id === null)).toBe(true);
    });

    it('filters by success, from the query string or a JSON body on GET', async () => {
      const failed = await getLogs('?success=False');
      expect(failed.body.count).toBeGreaterThan(0);
      expect(failed.body.logs.every((l) => !l.success && l.status_code >= 400)).toBe(true);
      const ok = await getLogs('', ADMIN_KEY, { success: 'TRUE' });
      expect(ok.body.count).toBeGreaterThan(0);
      expect(ok.body.logs.every((l) => l.success && l.status_code < 400)).toBe(true);
      const okBool = await getLogs('', ADMIN_KEY, { success: true, endpoint: '/predict' });
      expect(okBool.body.logs.every((l) => l.success && l.endpoint === '/predict')).toBe(true);
    });

    it('filters by endpoint, with or without the leading slash', async () => {
      const thumbs = await getLogs('?endpoint=/thumbnail');
      expect(thumbs.body.count).toBeGreaterThan(5);
      expect(thumbs.body.logs.every((l) => l.endpoint === '/thumbnail')).toBe(true);
      const analyze = await getLogs('?endpoint=analyze&status_code=200');
      expect(analyze.body.count).toBeGreaterThan(0);
      expect(analyze.body.logs.every((l) => l.endpoint === '/analyze' && l.status_code === 200)).toBe(true);
      const unknown = await getLogs('?endpoint=/nope');
      expect(unknown.body.logs.map((l) => l.status_code)).toEqual([404]);
    });

    it('filters by client_id and dates', async () => {
      const ios = await getLogs('?client_id=app-ios');
      expect(ios.body.count).toBeGreaterThan(0);
      expect(ios.body.logs.every((l) => l.client_id === 'app-ios')).toBe(true);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await getLogs(`?start_date=${future}`)).body.count).toBe(0);
      expect((await getLogs('?end_date=2001-01-01T00:00:00')).body.count).toBe(0);
      // A date alone as end_date means the whole of that day: today's entries are in.
      const today = new Date().toISOString().slice(0, 10);
      const day = await getLogs(`?start_date=${today}&end_date=${today}`);
      expect(day.body.count).toBeGreaterThan(0);
    });

    it('pages with limit and cursor, without overlap', async () => {
      const first = await getLogs('?limit=3');
      expect(first.body.count).toBe(3);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await getLogs(`?limit=3&cursor=${encodeURIComponent(first.body.next_cursor!)}`);
      expect(second.body.count).toBe(3);
      const firstIds = first.body.logs.map((l) => l.id);
      const secondIds = second.body.logs.map((l) => l.id);
      expect(Math.min(...firstIds)).toBeGreaterThan(Math.max(...secondIds));

      // Walking every page of one filter finds every entry once.
      const all = await getLogs('?endpoint=/predict&limit=1000');
      const walked: number[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `?endpoint=/predict&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await getLogs(q);
        walked.push(...page.body.logs.map((l) => l.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      // Entries of the /logs calls themselves are not /predict entries, so the set is stable.
      expect(walked).toEqual(all.body.logs.map((l) => l.id));
    });

    it('answers bad filters with 400 invalid_filter', async () => {
      expectError((await getLogs('?status_code=abc')).res, 400, 'invalid_filter');
      expectError((await getLogs('?limit=0')).res, 400, 'invalid_filter');
      expectError((await getLogs('?limit=1001')).res, 400, 'invalid_filter');
      expectError((await getLogs('?success=maybe')).res, 400, 'invalid_filter');
      expectError((await getLogs('?colour=red')).res, 400, 'invalid_filter');
      expectError((await getLogs('?cursor=garbage')).res, 400, 'invalid_filter');
      expectError((await getLogs('?start_date=2025-02-01&end_date=2025-01-01')).res, 400, 'invalid_filter');
      expectError((await getLogs('', ADMIN_KEY, [1, 2])).res, 400, 'invalid_filter');
    });
  });

  describe('client keys', () => {
    let alice: { id: string; key: string };
    let bob: { id: string; key: string };

    beforeAll(async () => {
      // What `keys create --client <id>` does.
      const a = await store.keys.create({ role: 'client', client_id: 'alice', label: 'alice app' });
      const b = await store.keys.create({ role: 'client', client_id: 'bob', label: null });
      alice = { id: a.record.id, key: a.key };
      bob = { id: b.record.id, key: b.key };
      expect(a.record).toMatchObject({ role: 'client', client_id: 'alice', revoked_at: null });
    });

    it("logs a client key's requests under its own client id, whatever x-client-id says", async () => {
      const res = await postJson('/predict', seed(), auth(alice.key, { 'x-client-id': 'mallory' }));
      expect(res.statusCode).toBe(200);
      expect(await logEntryOf(res)).toMatchObject({
        client_id: 'alice',
        key_id: alice.id,
        prediction: 'Happy',
      });
      const denied = await postJson('/thumbnail', seed({ duration: 99 }), auth(bob.key));
      expectError(denied, 400, 'invalid_duration');
      expect(await logEntryOf(denied)).toMatchObject({ client_id: 'bob', key_id: bob.id });
    });

    it('shows a client key only its own entries', async () => {
      const mine = await getLogs('', alice.key);
      expect(mine.status).toBe(200);
      expect(mine.body.count).toBeGreaterThanOrEqual(1);
      expect(mine.body.logs.every((l) => l.client_id === 'alice')).toBe(true);
      expect(mine.body.logs.some((l) => l.endpoint === '/predict' && l.prediction === 'Happy')).toBe(true);

      const bobs = await getLogs('', bob.key);
      expect(bobs.body.count).toBeGreaterThanOrEqual(1);
      expect(bobs.body.logs.every((l) => l.client_id === 'bob')).toBe(true);

      // Asking for another client's entries gives nothing, not theirs.
      const other = await getLogs('?client_id=bob', alice.key);
      expect(other.status).toBe(200);
      expect(other.body).toMatchObject({ logs: [], count: 0, next_cursor: null });
      const ownByName = await getLogs('?client_id=alice&endpoint=/predict', alice.key);
      expect(ownByName.body.count).toBeGreaterThanOrEqual(1);

      // The admin key sees both.
      const admin = await getLogs('?limit=1000');
      const clients = new Set(admin.body.logs.map((l) => l.client_id));
      expect(clients.has('alice') && clients.has('bob') && clients.has(null)).toBe(true);
    });

    it('does not show a client key entries of requests that did not use a key of that client', async () => {
      const carol = await store.keys.create({ role: 'client', client_id: 'carol' });
      const planted = await call({
        method: 'GET',
        url: '/planted-by-anyone',
        headers: { 'x-client-id': 'carol' },
      });
      const wrongKey = await call({
        method: 'GET',
        url: '/logs',
        headers: { 'x-api-key': 'wrong', 'x-client-id': 'carol' },
      });
      expectError(wrongKey, 401, 'unauthorized');
      // An admin key may record its requests under any client id (the v1 API's x-client-id), but
      // they are not the client's own: its key's view leaves them out.
      const byAdmin = await call({
        method: 'GET',
        url: '/logs?limit=1',
        headers: auth(ADMIN_KEY, { 'x-client-id': 'carol' }),
      });
      expect(byAdmin.statusCode).toBe(200);
      expect(await logEntryOf(byAdmin)).toMatchObject({ client_id: 'carol' });
      await getLogs('?limit=1', carol.key);
      const view = await getLogs('?limit=1000', carol.key);
      expect(view.body.count).toBeGreaterThanOrEqual(1);
      const foreign = view.body.logs.filter((l) => l.key_id !== carol.record.id).map((l) => l.endpoint);
      expect(foreign).toEqual([]);
      // Requests without a valid key are logged under no client at all.
      expect(await logEntryOf(planted)).toMatchObject({ client_id: null, key_id: null });
      expect(await logEntryOf(wrongKey)).toMatchObject({ client_id: null, key_id: null, status_code: 401 });
    });
  });

  describe('the request log', () => {
    it('holds an entry for every request answered above, under the id its response carried', async () => {
      expect(answered.length).toBeGreaterThan(80);
      const page = await store.logs.query({ limit: 1000 });
      const byId = new Map(page.logs.map((l) => [l.request_id, l]));
      const missing = answered.filter((a) => !byId.has(a.id));
      expect(missing).toEqual([]);
      for (const a of answered) {
        const entry = byId.get(a.id)!;
        expect({ url: a.url, status: entry.status_code }).toEqual({ url: a.url, status: a.status });
        expect(entry.success).toBe(a.status < 400);
        expect(entry.endpoint).toBe(a.url.split('?', 1)[0]);
        if (a.status >= 400) expect(entry.error_code).toEqual(expect.any(String));
      }
      // Nothing was logged that no response carried (the store was new for this suite).
      expect(page.logs.length).toBe(answered.length);
      // No key ever reaches the log.
      expect(JSON.stringify(page.logs)).not.toContain(ADMIN_KEY);
    });
  });
});

describe('HTTP API in process: rate limit', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-inject-rate-'));
    const config = parseConfig({ API_KEY: ADMIN_KEY, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '2' });
    store = await openStore({ dataDir: config.dataDir });
    const port = new StubJobPort();
    const clips = new ClipService(port, config);
    app = await buildApp({
      config,
      store,
      clips,
      jobs: jobsOver(store, clips, port, config),
      tmpDir: dir,
      stats: () => ({}),
      isReady: () => true,
      version: VERSION,
      logger: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const logs = (key: string) =>
    app.inject({
      method: 'GET',
      url: '/logs',
      headers: { 'x-api-key': key, date: new Date().toISOString() },
    });

  it('answers 429 rate_limited with Retry-After past RATE_LIMIT_PER_MINUTE for one key, and logs it', async () => {
    expect((await logs(ADMIN_KEY)).statusCode).toBe(200);
    expect((await logs(ADMIN_KEY)).statusCode).toBe(200);
    const limited = await logs(ADMIN_KEY);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // Counted per key: another key still gets through.
    const { key } = await store.keys.create({ role: 'client', client_id: 'other' });
    expect((await logs(key)).statusCode).toBe(200);
    // Public endpoints are not limited.
    for (let i = 0; i < 4; i++) expect((await app.inject({ url: '/health' })).statusCode).toBe(200);

    const page = await store.logs.query({ limit: 100, status_code: 429 });
    expect(page.logs.map((l) => l.request_id)).toEqual([limited.headers['x-request-id']]);
    expect(page.logs[0]).toMatchObject({ error_code: 'rate_limited', key_id: 'env-admin', success: false });
  });
});
