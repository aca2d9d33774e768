import '../../src/polyfills.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, evenlySpacedIndices, probeVideo } from '../../src/media/index.js';
import { buildSeedInput, EMOTIMESH_CLASSES, loadEmotiMesh } from '../../src/vision/emotimesh/index.js';
import { ANALYSIS_MAX_SIDE, createEmotionPipeline } from '../../src/vision/index.js';
import { makeTestClip } from '../helpers/clips.js';
import { makeSmilingClip } from '../helpers/face-clips.js';
import { createEmotionClient, type AnalyzeResult, type PredictResult } from '@emothumb/client';
import { send } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';

const EMOTIONS = ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'];

function expectPredictShape(body: PredictResult): void {
  expect(EMOTIONS).toContain(body.emotion);
  expect(body.prediction).toBe(body.emotion);
  expect(Object.keys(body.probabilities).sort()).toEqual([...EMOTIONS].sort());
  const sum = Object.values(body.probabilities).reduce((a, b) => a + b, 0);
  expect(sum).toBeCloseTo(1, 2);
  expect(body.confidence).toBe(body.probabilities[body.emotion]);
  expect(body.confidence).toBeGreaterThanOrEqual(0);
  expect(body.confidence).toBeLessThanOrEqual(1);
  expect(Math.round(body.confidence * 10_000) / 10_000).toBe(body.confidence);
  expect(body.frames_analyzed).toBe(15);
  expect(body.timeline).toHaveLength(15);
  expect(typeof body.model).toBe('string');
  expect(body.latency_ms).toBeGreaterThan(0);
}

describe('POST /predict and /analyze (real server, real models)', () => {
  let server: RunningServer;
  let dir: string;
  let smile: Buffer;
  let noFace: Buffer;

  const client = () => createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-predict-'));
    smile = await readFile(await makeSmilingClip(dir));
    await makeTestClip(join(dir, 'noface.mp4'), {
      width: 320,
      height: 240,
      fps: 15,
      seconds: 2,
      codec: 'h264',
    });
    noFace = await readFile(join(dir, 'noface.mp4'));
    server = await startServer();
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says a plainly smiling face is Happy, with the full response schema', async () => {
    const body = await client().predict(smile, { contentType: 'video/mp4' });
    expectPredictShape(body);
    expect(body.emotion).toBe('Happy');
    expect(body.frames_with_face).toBe(15);
    expect(body.timeline.every((p) => p.emotion !== null)).toBe(true);
  });

  it('accepts the seed JSON payload', async () => {
    // On the wire, exactly as the seed's clients send it.
    const res = await send(`${server.url}/predict`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ encoding: 'base64', format: 'mp4', fps: 30, content: smile.toString('base64') }),
    });
    expect(res.status).toBe(200);
    expect(res.json<PredictResult>().emotion).toBe('Happy');
  });

  it('answers 422 no_face for a clip without a face', async () => {
    await expect(client().predict(noFace, { contentType: 'video/mp4' })).rejects.toMatchObject({
      status: 422,
      code: 'no_face',
    });
  });

  it('analyzes once: prediction plus a face-cropped thumbnail anchored at the peak', async () => {
    const body: AnalyzeResult = await client().analyze(smile, { contentType: 'video/mp4', max_size: 256 });
    expectPredictShape(body);
    expect(body.emotion).toBe('Happy');
    expect(body.thumbnail).toBeDefined();
    expect(body.thumbnail!.format).toBe('mp4');
    expect(body.thumbnail!.frames).toBe(29);
    // crop=face is square.
    expect(body.thumbnail!.width).toBe(body.thumbnail!.height);
    expect(body.thumbnail!.width).toBeLessThanOrEqual(256);
  });

  it('makes a thumbnail with anchor=peak and crop=face on /thumbnail too', async () => {
    const body = await client().thumbnail(smile, { anchor: 'peak', crop: 'face', duration: 1 });
    expect(body.frames).toBe(9);
    expect(body.width).toBe(body.height);
  });

  it('records prediction and confidence in the log', async () => {
    const { logs } = await client().logs({ endpoint: '/predict', success: true });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0]!.prediction).toBe('Happy');
    expect(logs[0]!.confidence).toBeGreaterThan(0.5);
    expect(logs[0]!.model).toBeTruthy();
  });
});

describe('POST /predict with the seed checkpoint (MODEL=emotimesh)', () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-emotimesh-'));
    server = await startServer({
      MODEL: 'emotimesh',
      MODEL_PATH: resolve('test/fixtures/emotimesh/v1-c1-k7-p2-h4-l2.pth'),
      WORKERS: '1',
    });
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers with the checkpoint\'s own softmax for our landmarks and says so in "model"', async () => {
    const smile = await readFile(await makeSmilingClip(dir));
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    const body = await api.predict(smile, { contentType: 'video/mp4' });
    expectPredictShape(body);
    expect(body.model).toBe('emotimesh:v1-c1-k7-p2-h4-l2.pth');

    // The same clip through the parts in this process: our landmarks -> the seed's input ->
    // the checkpoint (whose logits match PyTorch, see test/emotimesh). /predict must give the
    // checkpoint's own softmax for those landmarks.
    const path = join(dir, 'smile.mp4');
    const info = await probeVideo(path, { maxPixels: 4096 * 2160, maxSeconds: 60, minFrames: 15 });
    const [frames] = await decodeFrames(path, info, [
      { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: ANALYSIS_MAX_SIDE },
    ]);
    const pipeline = await createEmotionPipeline();
    const analysed = await pipeline.analyzeFrames(frames!);
    const model = await loadEmotiMesh(resolve('test/fixtures/emotimesh/v1-c1-k7-p2-h4-l2.pth'));
    const { probabilities } = await model.forward([buildSeedInput(analysed.map((f) => f.landmarks))], 15);
    await model.dispose();
    EMOTIMESH_CLASSES.forEach((name, k) =>
      expect(body.probabilities[name]).toBeCloseTo(probabilities[0]![k]!, 3),
    );
  });
});

describe('start-up with a bad checkpoint', () => {
  it('fails clearly instead of answering 500 per request', async () => {
    await expect(
      startServer({
        MODEL: 'emotimesh',
        MODEL_PATH: resolve('test/fixtures/emotimesh/forbidden-global.pth'),
      }),
    ).rejects.toThrow(/does not load|forbidden|not allowed|global/i);
  });
});

describe('the first request after start (real server)', () => {
  let dir: string;
  let smile: Buffer;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-first-'));
    smile = await readFile(await makeSmilingClip(dir));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('waits for the models instead of refusing a request sent as soon as the port answers', async () => {
    const server = await startServer({}, { waitReady: false });
    servers.push(server);
    // Sent the moment the server listens: the models are still loading (/ready says so).
    const readyBefore = await fetch(`${server.url}/ready`);
    const predicted = send(`${server.url}/predict`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'video/mp4' },
      body: smile,
    });
    expect(readyBefore.status).toBe(503);
    expect(((await readyBefore.json()) as { code: string }).code).toBe('not_ready');
    const res = await predicted;
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.json<PredictResult>().emotion).toBe('Happy');
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('past STARTUP_WAIT_SECONDS answers 503 not_ready with Retry-After', async () => {
    // A checkpoint URL that never answers keeps the server loading for as long as the test needs.
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const port = (hanging.address() as { port: number }).port;
    try {
      const server = await startServer(
        {
          MODEL: 'emotimesh',
          MODEL_URL: `http://127.0.0.1:${port}/EmotiMesh_Net.pth`,
          STARTUP_WAIT_SECONDS: '1',
        },
        { waitReady: false },
      );
      servers.push(server);
      const started = Date.now();
      const res = await send(`${server.url}/predict`, {
        method: 'POST',
        headers: { ...authHeaders(), 'content-type': 'video/mp4' },
        body: smile,
      });
      expect(res.status).toBe(503);
      expect(res.json<{ code: string }>().code).toBe('not_ready');
      expect(res.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      await server.stop('SIGKILL');
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
