import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import Fastify from 'fastify';
import { registerModelsCommand } from '../../src/cli/models.command.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { healthRoutes } from '../../src/http/routes/health.routes.js';
import { prepareEmotionModel, STARTUP_DOWNLOAD_TIMEOUT_MS } from '../../src/model-files/model-setup.js';
import {
  ALIGNED_EXPRESSION_MODEL as MODEL,
  resolvePinnedModel,
} from '../../src/model-files/pinned-models.js';

// vitest.config.ts points MODELS_DIR at ../shared/models, which holds the file byte for byte.
const SHARED = process.env.MODELS_DIR!;
const BYTES = readFileSync(join(SHARED, MODEL.file));

let server: Server;
let base: string;
let body: Buffer;
let requests: number;
let dir: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = 0;
  body = BYTES;
  dir = mkdtempSync(join(tmpdir(), 'pinned-models-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('pinned model files (MODELS_DIR, download, sha256)', () => {
  it('finds the file in MODELS_DIR and checks it, without downloading', async () => {
    const status = await resolvePinnedModel(MODEL, { modelsDir: SHARED, download: true, url: `${base}/m` });
    expect(status).toMatchObject({ status: 'loaded', path: join(SHARED, MODEL.file) });
    expect(requests).toBe(0);
  });

  it('downloads a missing file once, checks its sha256 and keeps it under its name', async () => {
    const logs: string[] = [];
    const opts = {
      modelsDir: join(dir, 'models'),
      download: true,
      url: `${base}/m.onnx`,
      log: (m: string) => logs.push(m),
    };
    const status = await resolvePinnedModel(MODEL, opts);
    expect(status).toMatchObject({ status: 'loaded', path: join(dir, 'models', MODEL.file) });
    expect(readFileSync(status.path!).equals(BYTES)).toBe(true);
    expect(readdirSync(join(dir, 'models'))).toEqual([MODEL.file]);
    expect(logs.join('\n')).toMatch(/downloading .*m\.onnx/);
    await resolvePinnedModel(MODEL, opts);
    expect(requests).toBe(1);
  });

  it('refuses a download whose sha256 differs, and keeps nothing of it', async () => {
    body = Buffer.from(BYTES);
    body[1000] ^= 0xff;
    const opts = { modelsDir: dir, download: true, url: `${base}/m.onnx` };
    await expect(resolvePinnedModel(MODEL, opts)).rejects.toThrow(/sha256 [0-9a-f]{64}, expected f0d7093a/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file in MODELS_DIR whose sha256 differs', async () => {
    const wrong = Buffer.from(BYTES);
    wrong[7] ^= 1;
    writeFileSync(join(dir, MODEL.file), wrong);
    await expect(
      resolvePinnedModel(MODEL, { modelsDir: dir, download: true, url: `${base}/m` }),
    ).rejects.toThrow(/not the pinned aligned-expression model .*it was not loaded/);
    expect(requests).toBe(0);
  });

  it('a failed download leaves the model missing, with the reason', async () => {
    const status = await resolvePinnedModel(MODEL, {
      modelsDir: dir,
      download: true,
      url: 'http://127.0.0.1:1/nothing-listens-here',
    });
    expect(status.status).toBe('missing');
    expect(status.reason).toMatch(/download failed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a download that never answers is given up after its time limit, and the model is missing', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const status = await resolvePinnedModel(MODEL, {
        modelsDir: dir,
        download: true,
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/${MODEL.file}`,
        timeoutMs: 300,
      });
      expect(status.status).toBe('missing');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(readdirSync(dir)).toEqual([]);
      // At start-up the limit is a minute, not the `models fetch` command's five.
      expect(STARTUP_DOWNLOAD_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('MODEL_DOWNLOAD=false with no file: the service runs on the two nets and says so (log and /health)', async () => {
    const config = parseConfig({ DATA_DIR: dir, MODELS_DIR: join(dir, 'empty'), MODEL_DOWNLOAD: 'false' });
    const logs: string[] = [];
    const prepared = await prepareEmotionModel(config, (m) => logs.push(m));
    expect(requests).toBe(0);
    expect(prepared.engine.alignedModelPath).toBeUndefined();
    expect(prepared.models).toEqual([
      expect.objectContaining({
        name: 'aligned-expression',
        status: 'missing',
        reason: expect.stringMatching(/MODEL_DOWNLOAD=false/),
      }),
    ]);
    expect(logs.join('\n')).toMatch(/aligned-expression missing, running without it/);

    const app = Fastify();
    await app.register(healthRoutes, {
      stats: () => ({}),
      isReady: () => true,
      version: 'test',
      models: () => prepared.models,
    });
    const health = (await app.inject({ url: '/health' })).json<{ models: unknown[] }>();
    expect(health.models).toEqual([
      expect.objectContaining({ name: 'aligned-expression', status: 'missing' }),
    ]);
    await app.close();
  });

  it('MODELS_DIR holding the file: the engine gets it, /health lists it loaded; MODELS_DIR defaults to DATA_DIR/models', async () => {
    const prepared = await prepareEmotionModel(parseConfig({ DATA_DIR: dir, MODELS_DIR: SHARED }));
    expect(prepared.engine.alignedModelPath).toBe(join(SHARED, MODEL.file));
    expect(prepared.models[0]).toMatchObject({ status: 'loaded' });
    expect(parseConfig({ DATA_DIR: dir }).modelsDir).toBe(join(dir, 'models'));
    expect(parseConfig({ DATA_DIR: dir }).modelDownload).toBe(true);
  });

  it('`models fetch` downloads what MODELS_DIR lacks ahead of time, and fails (exit code 1) on a bad file', async () => {
    const run = async (url: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const program = new Command().exitOverride();
      registerModelsCommand(program, () => ({ modelsDir: join(dir, 'models') }), {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
      });
      process.exitCode = undefined;
      await program.parseAsync(['models', 'fetch', '--url', url], { from: 'user' });
      const code = process.exitCode;
      process.exitCode = undefined;
      return { out: out.join(''), err: err.join(''), code };
    };
    body = Buffer.from(BYTES);
    body[0] ^= 1;
    const bad = await run(`${base}/m.onnx`);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not the pinned/);
    body = BYTES;
    const good = await run(`${base}/m.onnx`);
    expect(good.code).toBeUndefined();
    expect(good.out).toContain(join(dir, 'models', MODEL.file));
    expect(readdirSync(join(dir, 'models'))).toEqual([MODEL.file]);
  });
});
