/**
 * The typed client (the `@emothumb/client` package, as packed and installed by the global
 * setup) against the real server with real clips, and a check that its generated types match
 * the OpenAPI document.
 */
import '../../src/polyfills.js';
import { readFile } from 'node:fs/promises';
import {
  createEmotionClient,
  EmotionApiError,
  type AnalyzeResult,
  type JobError,
  type PredictResult,
  type ThumbnailResult,
} from '@emothumb/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';

import { CLIENT_TYPES_FILE, clientTypesSource } from '../../scripts/client-types-source.js';
import { openApiDocument } from '../../scripts/openapi-document.js';
import { makePhoneCorpus } from '../helpers/phone-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';

describe('the typed client (real server, a phone clip with sound)', () => {
  let server: RunningServer;
  let clip: string;

  beforeAll(async () => {
    clip = (await makePhoneCorpus()).get('android-h264-aac')!;
    server = await startServer();
  }, 300_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('predicts, makes thumbnails, analyses and reads the log, from a path or bytes', async () => {
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY, clientId: 'client-test' });
    const p = await api.predict(clip);
    expect(p.emotion).toBe('Happy');
    expect(p.timeline).toHaveLength(15);
    const t = await api.thumbnail(await readFile(clip), {
      duration: 2,
      output_format: 'webp',
      max_size: 240,
    });
    expect(t.format).toBe('webp');
    expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(240);
    const a = await api.analyze(clip, { duration: 1 });
    expect(a.emotion).toBe('Happy');
    const logs = await api.logs({ client_id: 'client-test', endpoint: '/predict' });
    expect(logs.logs.length).toBeGreaterThanOrEqual(1);
    expect(logs.logs[0].prediction).toBe('Happy');
  });

  it("types a job's result by its task, from submitJob through waitForJob", async () => {
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    const accepted = await api.submitJob('thumbnail', clip, { duration: 1, output_format: 'gif' });
    expect(accepted).toMatchObject({ task: 'thumbnail', status: 'queued' });
    const done = await api.waitForJob(accepted, { intervalMs: 100 });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    // Type-level only, never called: what the compiler refuses.
    const _refused = () => [
      // @ts-expect-error `result` is null until the job has succeeded: narrow on `status` first
      done.result.format,
      // @ts-expect-error /jobs/predict takes no thumbnail options
      api.submitJob('predict', clip, { duration: 1 }),
    ];
    if (done.status !== 'succeeded') return;
    expectTypeOf(done.result).toEqualTypeOf<ThumbnailResult>();
    expect(done.result.format).toBe('gif');
    expect(done.result.thumbnail.length).toBeGreaterThan(100);

    const predicted = await api.waitForJob(await api.submitJob('predict', await readFile(clip)));
    if (predicted.status === 'failed') expectTypeOf(predicted.error).toEqualTypeOf<JobError>();
    else expectTypeOf(predicted.result).toEqualTypeOf<PredictResult>();
    expect(predicted).toMatchObject({ task: 'predict', status: 'succeeded', result: { emotion: 'Happy' } });

    // By id alone the task is unknown until read: a union that narrows on `task`.
    const byId = await api.job(accepted.job_id);
    if (byId.task === 'analyze' && byId.status === 'succeeded')
      expectTypeOf(byId.result).toEqualTypeOf<AnalyzeResult>();
    expect(byId.task).toBe('thumbnail');
    // A document names its task, so claiming another is refused rather than mistyped.
    await expect(api.job({ job_id: accepted.job_id, task: 'analyze' })).rejects.toThrow(/thumbnail job/);
  });

  it('throws the service errors as EmotionApiError with status and code', async () => {
    const wrongKey = createEmotionClient({ baseUrl: server.url, apiKey: 'not-a-key' });
    const err = await wrongKey.predict(clip).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EmotionApiError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    await expect(api.thumbnail(clip, { duration: 50 })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_duration',
    });
    await expect(api.predict(new Uint8Array(1000))).rejects.toMatchObject({
      status: 422,
      code: 'not_a_video',
    });
  });
});

describe('the client types', () => {
  it('match the OpenAPI document the service serves (run `npm run client:types` after changing a schema)', async () => {
    const fresh = await clientTypesSource(await openApiDocument());
    expect(await readFile(CLIENT_TYPES_FILE, 'utf8')).toBe(fresh);
  });
});
