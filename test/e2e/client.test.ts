/**
 * The typed client (src/client, exported as `emotion-thumbnails/client`) against the real
 * server with real clips, and a check that its generated types match the OpenAPI document.
 */
import '../../src/polyfills.js';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEmotionClient, EmotionApiError } from '../../src/client/index.js';
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
