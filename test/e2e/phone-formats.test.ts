/**
 * What users send, end to end: every real-world format of the phone corpus (each
 * with a sound track) through the real server on all three endpoints, each
 * through a different upload path (seed base64 JSON, raw body, multipart).
 */
import '../../src/polyfills.js';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEmotionClient } from '@emothumb/client';
import { makePhoneCorpus, PHONE_FORMATS, type PhoneFormat } from '../helpers/phone-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';

describe('real-world formats with sound: /predict, /thumbnail, /analyze answer 200 upright', () => {
  let server: RunningServer;
  let corpus: Map<string, string>;

  beforeAll(async () => {
    corpus = await makePhoneCorpus();
    server = await startServer();
  }, 300_000);
  afterAll(async () => {
    await server?.dispose();
  });

  const expectAspect = (w: number, h: number, format: PhoneFormat): void => {
    // Even dimensions round the aspect a little.
    expect(Math.abs(w / h - format.displayAspect) / format.displayAspect).toBeLessThan(0.03);
  };

  it.each(PHONE_FORMATS.map((f) => [f.id, f] as const))('%s', async (id, format) => {
    const bytes = await readFile(corpus.get(id)!);
    const ext = extname(corpus.get(id)!).slice(1);

    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });

    // The seed's base64 JSON, typed by the client.
    const predict = await api.api.POST('/predict', {
      body: { encoding: 'base64', format: ext, fps: 30, content: bytes.toString('base64') },
    });
    expect(predict.error ?? '', JSON.stringify(predict.error)).toBe('');
    expect(predict.response.status).toBe(200);
    expect(predict.data!.emotion).toBe('Happy');
    expect(predict.data!.frames_with_face).toBeGreaterThanOrEqual(12);

    // The raw body.
    const thumb = await api.thumbnail(bytes, { duration: 2 });
    expect(thumb.frames).toBe(19);
    expectAspect(thumb.width, thumb.height, format);
    expect(Math.max(thumb.width, thumb.height)).toBeLessThanOrEqual(480);

    // Multipart, with the face-cropped peak thumbnail.
    const analyze = await api.analyze(bytes, { upload: 'multipart', filename: `${id}.${ext}` });
    expect(analyze.emotion).toBe('Happy');
    const t = analyze.thumbnail;
    expect(t.frames).toBeGreaterThan(1);
    expect(t.width).toBe(t.height);
  });
});
