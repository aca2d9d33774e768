/**
 * The task table (`services/clip-tasks.ts`, `http/tasks.ts`) and the thumbnail option table
 * (`THUMBNAIL_OPTION_TABLE`) are the one place a task and an option are described: every
 * surface follows them. Written over the tables, not over today's options, so that an option
 * added to the table is checked here on every surface without touching this file: the OpenAPI
 * document (JSON body, nested form, multipart, query), the option checks' messages, and the
 * value reaching the worker from the sync and the async routes, by JSON body and query string.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.js';
import { clipResultBody } from '../../src/http/tasks.js';
import { HTTP_TASK_LIST, type HttpTask } from '../../src/http/tasks.js';
import { THUMBNAIL_OPTION_TABLE, THUMBNAIL_OPTIONS } from '../../src/http/thumbnail-options.js';
import type { ClipJobResult } from '../../src/jobs/clip-job.types.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import { ClipService, type ClipJobPort } from '../../src/services/clip.service.js';
import { LocalJobDispatcher } from '../../src/services/job-dispatch.js';
import { JobLifecycle } from '../../src/services/job-lifecycle.js';
import { JobsService } from '../../src/services/jobs.service.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { Prediction } from '../../src/vision/index.js';
import { stubThumbnail, stubVideoInfo } from '../helpers/stub-results.js';

const ADMIN_KEY = 'test-admin-key-0123456789';

type OptionName = keyof typeof THUMBNAIL_OPTION_TABLE;
const OPTION_NAMES = THUMBNAIL_OPTIONS as readonly OptionName[];

/** A value `schema` allows (the largest, or the last of an enum: not a default, mostly). */
function sampleOf(schema: TSchema): unknown {
  if (Array.isArray(schema.enum)) return schema.enum.at(-1);
  if (Array.isArray(schema.anyOf)) return sampleOf(schema.anyOf.at(-1) as TSchema);
  if (schema.type === 'number' || schema.type === 'integer') return schema.maximum ?? schema.minimum ?? 1;
  if (schema.type === 'boolean') return true;
  return 'x';
}

const PROBABILITIES = { Anger: 0.1, Happy: 0.6, Shock: 0.1, Neutral: 0.1, Sad: 0.1 };
const PREDICTION: Prediction = {
  emotion: 'Happy',
  confidence: 0.6,
  probabilities: PROBABILITIES,
  frames_analyzed: 1,
  frames_with_face: 1,
  timeline: [{ t: 0, emotion: 'Happy', confidence: 0.6, probabilities: PROBABILITIES }],
  peak_t: 0,
  peakIndex: 0,
  model: 'stub-model',
  face: null,
};

/** Records the jobs it is given and answers with a prediction and a thumbnail. */
class RecordingPort implements ClipJobPort {
  readonly jobs: ClipJob[] = [];
  run(job: ClipJob): Promise<ClipJobResult> {
    this.jobs.push(job);
    return Promise.resolve({
      video: stubVideoInfo(),
      prediction: job.predict ? PREDICTION : undefined,
      thumbnail: job.thumbnail ? stubThumbnail(Buffer.from('cover')) : undefined,
      timings: {},
    });
  }
  isSaturated(): boolean {
    return false;
  }
}

describe('the task table is the one place a task and its options are described', () => {
  let dir: string;
  let store: Store;
  let port: RecordingPort;
  let app: FastifyInstance;
  let doc: { paths: Record<string, { post: Record<string, unknown> }> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-tasks-'));
    const tmpDir = join(dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const config = parseConfig({ API_KEY: ADMIN_KEY, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '0' });
    store = await openStore({ dataDir: config.dataDir });
    port = new RecordingPort();
    const clips = new ClipService(port, config);
    const lifecycle = new JobLifecycle(store.jobs, clipResultBody, undefined);
    const jobs = new JobsService(store.jobs, clips, new LocalJobDispatcher(port, lifecycle), {
      ttlHours: config.jobTtlHours,
      webhookSecret: undefined,
      webhookAllowPrivate: false,
    });
    app = await buildApp({
      config,
      store,
      clips,
      jobs,
      tmpDir,
      stats: () => ({}),
      isReady: () => true,
      version: '0.0.0-test',
      logger: false,
    });
    await app.ready();
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const headers = () => ({ 'x-api-key': ADMIN_KEY, date: new Date().toISOString() });
  const urlsOf = (task: HttpTask) => [task.path, `/jobs/${task.name}`];

  /** The job the worker got for a POST (a job's runs in the background: waited for). */
  async function jobFor(url: string, payload: Record<string, unknown>, query = ''): Promise<ClipJob> {
    const before = port.jobs.length;
    const res = await app.inject({
      method: 'POST',
      url: `${url}${query}`,
      headers: headers(),
      payload: { content: Buffer.from('a clip').toString('base64'), ...payload },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    await expect.poll(() => port.jobs.length).toBeGreaterThan(before);
    return port.jobs.at(-1)!;
  }

  for (const task of HTTP_TASK_LIST) {
    for (const url of urlsOf(task)) {
      it(`${url}: the OpenAPI document shows the options and media types the table gives it`, () => {
        const body = (doc.paths[url]!.post.requestBody as { content: Record<string, { schema: TSchema }> })
          .content;
        const json = Object.keys(body['application/json']!.schema.properties as object);
        const form = Object.keys(body['multipart/form-data']!.schema.properties as object);
        const query = ((doc.paths[url]!.post.parameters ?? []) as { in: string; name: string }[])
          .filter((p) => p.in === 'query')
          .map((p) => p.name);
        for (const name of OPTION_NAMES) {
          expect(json.includes(name), name).toBe(task.thumbnail !== undefined);
          expect(form.includes(name), name).toBe(task.thumbnail !== undefined);
          expect(query.includes(name), name).toBe(task.thumbnail !== undefined);
        }
        if (task.nestedThumbnail) {
          const nested = body['application/json']!.schema.properties.thumbnail as TSchema;
          expect(Object.keys(nested.properties as object)).toEqual([...OPTION_NAMES]);
        } else expect(json).not.toContain('thumbnail');
        expect(json.includes('subject_id')).toBe(task.answersEmotion);
        expect('image/jpeg' in body).toBe(task.answersEmotion);
      });

      it(`${url}: an unknown option's 400 lists the options the table gives it`, async () => {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: headers(),
          payload: { content: Buffer.from('a clip').toString('base64'), no_such_option: 1 },
        });
        expect(res.statusCode).toBe(400);
        const message = res.json<{ error: string }>().error;
        for (const name of OPTION_NAMES)
          expect(message.includes(name), name).toBe(task.thumbnail !== undefined);
        expect(message.includes('subject_id')).toBe(task.answersEmotion);
      });
    }

    if (!task.thumbnail) continue;
    for (const name of OPTION_NAMES) {
      const option = THUMBNAIL_OPTION_TABLE[name];
      const sample = sampleOf(option.schema);
      const expected = option.read(sample);

      for (const url of urlsOf(task)) {
        it(`${url}: "${name}" reaches the worker as ${option.field}, from the JSON body and the query`, async () => {
          expect((await jobFor(url, { [name]: sample })).thumbnail?.[option.field]).toEqual(expected);
          const query = `?${name}=${encodeURIComponent(String(sample))}`;
          expect((await jobFor(url, {}, query)).thumbnail?.[option.field]).toEqual(expected);
        });

        it(`${url}: a bad "${name}" is a 400 that names it`, async () => {
          const res = await app.inject({
            method: 'POST',
            url,
            headers: headers(),
            payload: { content: Buffer.from('a clip').toString('base64'), [name]: 'not-a-value' },
          });
          expect(res.statusCode).toBe(400);
          expect(res.json<{ error: string }>().error.toLowerCase()).toContain(name.split('_')[0]);
        });
      }
    }
  }
});
