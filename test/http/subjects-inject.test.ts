/**
 * Learning each person from their corrections, through HTTP in process: `buildApp` with a real
 * SQLite store over a stub job port that answers a fixed prediction (no FFmpeg, no models). The
 * adjustment itself is unit-tested in test/vision/subject-adaptation.test.ts; here: the
 * subject_id option on every transport, POST /feedback, GET/DELETE /subjects/<id>, scoping by
 * client, and that answers without a subject never change.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.js';
import { clipResultBody } from '../../src/http/tasks.js';
import type { ClipJobResult } from '../../src/jobs/clip-job.types.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import { ClipService, type ClipJobPort } from '../../src/services/clip.service.js';
import { LocalJobDispatcher } from '../../src/services/job-dispatch.js';
import { JobLifecycle } from '../../src/services/job-lifecycle.js';
import { JobsService } from '../../src/services/jobs.service.js';
import { SubjectsService } from '../../src/services/subjects.service.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { Prediction } from '../../src/vision/index.js';
import { stubThumbnail, stubVideoInfo } from '../helpers/stub-results.js';

const ADMIN_KEY = 'test-admin-key-0123456789';

/** A close call between Happy and Sad: one correction towards Sad should tip it. */
const PREDICTION: Prediction = {
  emotion: 'Happy',
  confidence: 0.48,
  probabilities: { Anger: 0.05, Happy: 0.48, Shock: 0.03, Neutral: 0.04, Sad: 0.4 },
  frames_analyzed: 15,
  frames_with_face: 15,
  timeline: [
    {
      t: 0,
      emotion: 'Happy',
      confidence: 0.6,
      probabilities: { Anger: 0.05, Happy: 0.6, Shock: 0.05, Neutral: 0.1, Sad: 0.2 },
    },
  ],
  peak_t: 0,
  peakIndex: 0,
  model: 'stub-model-v1',
  face: null,
};

class StubPort implements ClipJobPort {
  async run(job: ClipJob): Promise<ClipJobResult> {
    return {
      video: stubVideoInfo(false),
      prediction: job.predict ? structuredClone(PREDICTION) : undefined,
      thumbnail: job.thumbnail ? stubThumbnail(Buffer.from('fake-mp4')) : undefined,
      timings: {},
    };
  }

  isSaturated(): boolean {
    return false;
  }
}

const VIDEO = Buffer.from('not a video: the stub port never decodes it');

interface SubjectBody {
  subject_id: string;
  corrections: number;
  answers: number;
  bias: Record<string, number>;
  updated_at: string | null;
}

describe('subjects over HTTP (buildApp + inject, SQLite, stub job port)', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  let keyA: string;
  let keyA2: string;
  let keyB: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-subjects-'));
    const tmpDir = join(dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const config = parseConfig({ API_KEY: ADMIN_KEY, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '0' });
    store = await openStore({ dataDir: config.dataDir });
    const port = new StubPort();
    const clips = new ClipService(port, config);
    const subjects = new SubjectsService(store.subjects);
    const lifecycle = new JobLifecycle(store.jobs, clipResultBody, undefined, undefined, subjects);
    const jobs = new JobsService(store.jobs, clips, new LocalJobDispatcher(port, lifecycle), {
      ttlHours: 1,
      webhookSecret: undefined,
      webhookAllowPrivate: false,
    });
    app = await buildApp({
      config,
      store,
      clips,
      jobs,
      subjects,
      tmpDir,
      stats: () => ({}),
      isReady: () => true,
      version: 'test',
      logger: false,
    });
    await app.ready();
    keyA = (await store.keys.create({ role: 'client', client_id: 'app-a' })).key;
    keyA2 = (await store.keys.create({ role: 'client', client_id: 'app-a' })).key;
    keyB = (await store.keys.create({ role: 'client', client_id: 'app-b' })).key;
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const auth = (key: string, extra: Record<string, string> = {}) => ({
    'x-api-key': key,
    date: new Date().toISOString(),
    ...extra,
  });
  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => app.inject(options);
  const seed = (extra: Record<string, unknown> = {}) => ({
    encoding: 'base64',
    content: VIDEO.toString('base64'),
    ...extra,
  });
  const predictJson = (key: string, extra: Record<string, unknown> = {}, url = '/predict') =>
    inject({
      method: 'POST',
      url,
      headers: auth(key, { 'content-type': 'application/json' }),
      payload: JSON.stringify(seed(extra)),
    });
  const predictRaw = (key: string, query: string, url = '/predict') =>
    inject({
      method: 'POST',
      url: `${url}?${query}`,
      headers: auth(key, { 'content-type': 'video/mp4' }),
      payload: VIDEO,
    });
  function predictMultipart(key: string, fields: Record<string, string>, url = '/predict') {
    const boundary = '----subjectsBoundary42';
    const parts = [
      ...Object.entries(fields).map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    ];
    const payload = Buffer.concat([
      Buffer.from(parts.join('')),
      VIDEO,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return inject({
      method: 'POST',
      url,
      headers: auth(key, { 'content-type': `multipart/form-data; boundary=${boundary}` }),
      payload,
    });
  }
  const feedback = (key: string, body: unknown) =>
    inject({
      method: 'POST',
      url: '/feedback',
      headers: auth(key, { 'content-type': 'application/json' }),
      payload: JSON.stringify(body),
    });
  const subject = (key: string, id: string, method: 'GET' | 'DELETE' = 'GET') =>
    inject({ method, url: `/subjects/${encodeURIComponent(id)}`, headers: auth(key) });
  const requestId = (res: LightMyRequestResponse): string => res.headers['x-request-id'] as string;
  /** The answer body without its latency, to compare answers exactly. */
  const answer = (res: LightMyRequestResponse): Record<string, unknown> => {
    expect(res.statusCode).toBe(200);
    const { latency_ms: _latency, thumbnail, ...rest } = res.json<Record<string, unknown>>();
    if (thumbnail) {
      const { latency_ms: _l, ...thumb } = thumbnail as Record<string, unknown>;
      return { ...rest, thumbnail: thumb };
    }
    return rest;
  };

  it('takes subject_id as a JSON field, a query parameter and a multipart field; refuses bad ones with a code', async () => {
    const plain = answer(await predictJson(keyA));
    for (const res of [
      await predictJson(keyA, { subject_id: 'transport-check' }),
      await predictRaw(keyA, 'subject_id=transport-check'),
      await predictMultipart(keyA, { subject_id: 'transport-check' }),
      await predictRaw(keyA, 'subject_id=transport-check&output_format=webp', '/analyze'),
    ]) {
      const body = answer(res);
      expect({ ...body, thumbnail: undefined }).toEqual({ ...plain, thumbnail: undefined });
    }
    expect((await subject(keyA, 'transport-check')).json<SubjectBody>()).toMatchObject({
      answers: 4,
      corrections: 0,
      bias: { Anger: 0, Happy: 0, Shock: 0, Neutral: 0, Sad: 0 },
      updated_at: null,
    });
    for (const bad of ['', 'has space', 'x'.repeat(201), 'naïve', 'tab\there']) {
      if (bad === '') continue;
      const res = await predictJson(keyA, { subject_id: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json<{ code: string }>().code).toBe('invalid_subject_id');
    }
    // Any printable ASCII, "/" and "%" included, round-trips through /subjects/<id> percent-encoded.
    const odd = `a/b%c?d#e${'z'.repeat(190)}`;
    expect((await predictJson(keyA, { subject_id: odd })).statusCode).toBe(200);
    expect((await subject(keyA, odd)).json<SubjectBody>()).toMatchObject({ subject_id: odd, answers: 1 });
    expect((await subject(keyA, odd, 'DELETE')).statusCode).toBe(204);
    const numeric = await predictJson(keyA, { subject_id: 42 });
    expect(numeric.json<{ code: string }>().code).toBe('invalid_subject_id');
    // /thumbnail gives no emotion answer: the option is unknown there.
    const thumb = await predictRaw(keyA, 'subject_id=x', '/thumbnail');
    expect(thumb.statusCode).toBe(400);
    expect(thumb.json<{ code: string }>().code).toBe('invalid_request');
  });

  it('learns from a correction, scoped to the client; DELETE restores the exact uncorrected answer', async () => {
    const uncorrected = answer(await predictJson(keyA, { subject_id: 'alice' }));
    expect(uncorrected.emotion).toBe('Happy');
    const first = await predictJson(keyA, { subject_id: 'alice' });
    // Another client cannot correct it, nor can it see or erase the subject.
    const foreign = await feedback(keyB, { request_id: requestId(first), emotion: 'Sad' });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json<{ code: string }>().code).toBe('request_not_found');
    expect((await subject(keyB, 'alice')).json<{ code: string }>().code).toBe('subject_not_found');
    expect((await subject(keyB, 'alice', 'DELETE')).statusCode).toBe(404);
    // The admin has subjects of its own.
    expect((await feedback(ADMIN_KEY, { request_id: requestId(first), emotion: 'Sad' })).statusCode).toBe(
      404,
    );

    const fixed = await feedback(keyA, { request_id: requestId(first), emotion: 'sAD' });
    expect(fixed.statusCode).toBe(200);
    const state = fixed.json<SubjectBody>();
    expect(state).toMatchObject({ subject_id: 'alice', corrections: 1, answers: 2 });
    // The adjustment (the person's baseline taken off, the correction's bias on top) favours
    // the corrected emotion over the answered one.
    expect(state.bias.Sad).toBeGreaterThan(state.bias.Happy);
    expect(Date.parse(state.updated_at!)).not.toBeNaN();

    // The same person's next answer has learnt; another key of the same client shares the subject.
    const later = answer(await predictJson(keyA2, { subject_id: 'alice' }));
    expect(later.emotion).toBe('Sad');
    expect(later.prediction).toBe('Sad');
    const probs = later.probabilities as Record<string, number>;
    expect(probs.Sad).toBeGreaterThan(probs.Happy);
    // The timeline stays the model's own view.
    expect(later.timeline).toEqual(uncorrected.timeline);
    // The same id under another client is another person; answers without subject never change.
    expect(answer(await predictJson(keyB, { subject_id: 'alice' }))).toEqual(uncorrected);
    const { ...plain } = answer(await predictJson(keyA));
    expect(plain).toEqual(uncorrected);

    // A second correction of the same answer replaces the first.
    const again = await feedback(keyA, { request_id: requestId(first), emotion: 'Happy' });
    expect(again.json<SubjectBody>().corrections).toBe(1);
    expect(answer(await predictJson(keyA, { subject_id: 'alice' })).emotion).toBe('Happy');
    await feedback(keyA, { request_id: requestId(first), emotion: 'Sad' });
    expect((await subject(keyA, 'alice')).json<SubjectBody>()).toMatchObject({ corrections: 1 });

    const erased = await subject(keyA, 'alice', 'DELETE');
    expect(erased.statusCode).toBe(204);
    expect(answer(await predictJson(keyA, { subject_id: 'alice' }))).toEqual(uncorrected);
    // Erased means erased: the old answer has no subject to learn for any more.
    const stale = await feedback(keyA, { request_id: requestId(first), emotion: 'Sad' });
    expect(stale.json<{ code: string }>().code).toBe('no_subject');
    // The answer asked after the erasure is kept: the subject exists again, uncorrected.
    expect((await subject(keyA, 'alice')).json<SubjectBody>()).toMatchObject({ answers: 1, corrections: 0 });
    await subject(keyA, 'alice', 'DELETE');
    expect((await subject(keyA, 'alice', 'DELETE')).statusCode).toBe(404);
    expect((await subject(keyA, 'alice')).statusCode).toBe(404);
  });

  it('answers 422 no_subject for an answer without subject_id, 404 for unknown ids, 400 for bad bodies', async () => {
    const plain = await predictJson(keyA);
    const noSubject = await feedback(keyA, { request_id: requestId(plain), emotion: 'Sad' });
    expect(noSubject.statusCode).toBe(422);
    expect(noSubject.json<{ code: string }>().code).toBe('no_subject');
    // ...but to another client it is simply not theirs.
    const other = await feedback(keyB, { request_id: requestId(plain), emotion: 'Sad' });
    expect(other.json<{ code: string }>().code).toBe('request_not_found');
    const unknown = await feedback(keyA, { request_id: 'no-such-request', emotion: 'Sad' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ code: string }>().code).toBe('request_not_found');

    const withSubject = await predictJson(keyA, { subject_id: 'bob' });
    for (const [body, code] of [
      [{ request_id: requestId(withSubject), emotion: 'Fear' }, 'invalid_emotion'],
      [{ request_id: requestId(withSubject), emotion: 3 }, 'invalid_emotion'],
      [{ request_id: requestId(withSubject) }, 'invalid_request'],
      [{ emotion: 'Sad' }, 'invalid_request'],
      [{ request_id: requestId(withSubject), emotion: 'Sad', extra: 1 }, 'invalid_request'],
    ] as const) {
      const res = await feedback(keyA, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ code: string }>().code).toBe(code);
    }
    for (const payload of [undefined, '[]', '"Sad"', 'null']) {
      const res = await inject({
        method: 'POST',
        url: '/feedback',
        headers: auth(keyA, payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...(payload === undefined ? {} : { payload }),
      });
      expect(res.statusCode, String(payload)).toBe(400);
    }
    const bad = await subject(keyA, 'has space');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('invalid_subject_id');
    expect((await subject(keyA, 'never-seen')).json<{ code: string }>().code).toBe('subject_not_found');
  });

  it('adjusts a job when its result is built; the POST /jobs/... request id is the one to correct', async () => {
    const poll = async (id: string, key: string) => {
      for (let i = 0; i < 200; i++) {
        const doc = (await inject({ method: 'GET', url: `/jobs/${id}`, headers: auth(key) })).json<{
          status: string;
          result: Record<string, unknown> | null;
        }>();
        if (doc.status === 'succeeded' || doc.status === 'failed') return doc;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('job did not end');
    };
    const submitted = await predictRaw(keyA, 'subject_id=carol', '/jobs/predict');
    expect(submitted.statusCode).toBe(202);
    const done = await poll(submitted.json<{ job_id: string }>().job_id, keyA);
    expect(done.result?.emotion).toBe('Happy');
    expect((await feedback(keyA, { request_id: requestId(submitted), emotion: 'Sad' })).statusCode).toBe(200);

    const analyzed = await inject({
      method: 'POST',
      url: '/jobs/analyze',
      headers: auth(keyA, { 'content-type': 'application/json' }),
      payload: JSON.stringify(seed({ subject_id: 'carol' })),
    });
    const doc = await poll(analyzed.json<{ job_id: string }>().job_id, keyA);
    expect(doc.result?.emotion).toBe('Sad');
    expect((await subject(keyA, 'carol')).json<SubjectBody>()).toMatchObject({ answers: 2, corrections: 1 });
    // A job without subject is not adjusted, and cannot be corrected.
    const plainJob = await predictRaw(keyA, '', '/jobs/predict');
    expect((await poll(plainJob.json<{ job_id: string }>().job_id, keyA)).result?.emotion).toBe('Happy');
    const res = await feedback(keyA, { request_id: requestId(plainJob), emotion: 'Sad' });
    expect(res.json<{ code: string }>().code).toBe('no_subject');
  });

  it('shows the new endpoints and the option in the OpenAPI document', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }
        >
      >;
    }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/feedback', '/subjects/{id}']));
    expect(Object.keys(doc.paths['/subjects/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    for (const path of ['/predict', '/analyze', '/jobs/predict', '/jobs/analyze']) {
      const content = doc.paths[path].post.requestBody!.content;
      expect(content['application/json'].schema.properties, path).toHaveProperty('subject_id');
      expect(content['multipart/form-data'].schema.properties, path).toHaveProperty('subject_id');
    }
    expect(
      doc.paths['/thumbnail'].post.requestBody!.content['application/json'].schema.properties,
    ).not.toHaveProperty('subject_id');
  });
});
