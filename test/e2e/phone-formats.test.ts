/**
 * What users send, end to end: every real-world format of the phone corpus (each
 * with a sound track) through the real server on all three endpoints, each
 * through a different upload path (seed base64 JSON, raw body, multipart).
 */
import '../../src/polyfills.js';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makePhoneCorpus, PHONE_FORMATS, type PhoneFormat } from '../helpers/phone-clips.js';
import { authHeaders, startServer, type RunningServer } from '../helpers/server.js';

interface Reply {
  emotion?: string;
  confidence?: number;
  frames_analyzed?: number;
  frames_with_face?: number;
  width?: number;
  height?: number;
  frames?: number;
  format?: string;
  thumbnail?: string | { width: number; height: number; frames: number; thumbnail: string };
  code?: string;
  error?: string;
}

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

  const call = async (path: string, init: RequestInit): Promise<{ status: number; body: Reply }> => {
    const res = await fetch(`${server.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Reply };
  };

  const expectAspect = (w: number, h: number, format: PhoneFormat): void => {
    // Even dimensions round the aspect a little.
    expect(Math.abs(w / h - format.displayAspect) / format.displayAspect).toBeLessThan(0.03);
  };

  it.each(PHONE_FORMATS.map((f) => [f.id, f] as const))('%s', async (id, format) => {
    const bytes = await readFile(corpus.get(id)!);
    const ext = extname(corpus.get(id)!).slice(1);

    // The seed's base64 JSON.
    const predict = await call('/predict', {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ encoding: 'base64', format: ext, fps: 30, content: bytes.toString('base64') }),
    });
    expect(predict.body.error ?? '', JSON.stringify(predict.body)).toBe('');
    expect(predict.status).toBe(200);
    expect(predict.body.emotion).toBe('Happy');
    expect(predict.body.frames_with_face).toBeGreaterThanOrEqual(12);

    // The raw body.
    const thumb = await call('/thumbnail?duration=2', {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(thumb.status, JSON.stringify(thumb.body)).toBe(200);
    expect(thumb.body.frames).toBe(19);
    expectAspect(thumb.body.width!, thumb.body.height!, format);
    expect(Math.max(thumb.body.width!, thumb.body.height!)).toBeLessThanOrEqual(480);

    // Multipart, with the face-cropped peak thumbnail.
    const form = new FormData();
    form.append('video', new Blob([bytes]), `${id}.${ext}`);
    const analyze = await call('/analyze', { method: 'POST', headers: authHeaders(), body: form });
    expect(analyze.status, JSON.stringify(analyze.body).slice(0, 300)).toBe(200);
    expect(analyze.body.emotion).toBe('Happy');
    const t = analyze.body.thumbnail as { width: number; height: number; frames: number };
    expect(t.frames).toBeGreaterThan(1);
    expect(t.width).toBe(t.height);
  });
});
