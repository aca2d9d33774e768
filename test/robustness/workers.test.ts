/**
 * Crash containment, per-job time limits and overload, on the real server: a worker
 * killed mid-job (as a native crash would) costs that one request; a job past
 * JOB_TIMEOUT_SECONDS is stopped; past the queue bound, 503 at once, memory flat.
 */
import '../../src/polyfills.js';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeTestClip } from '../helpers/clips.js';
import { send } from '../helpers/http.js';
import { authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { loggedRequestIds, rssMb, sendOnce, sleep, workerPids, type RawReply } from './support.js';

/** A GIF at the source size from 10 s of output: about 2.5 s of work for a 640x360 clip here. */
const SLOW = '?max_size=0&output_format=gif&duration=10';
/** About 1 s of work. */
const MEDIUM = '?max_size=0&output_format=gif&duration=4';

let dir: string;
let clip: Buffer;

function postClip(
  server: RunningServer,
  query = '',
  opts: { holdBodyMs?: number; path?: string } = {},
): Promise<RawReply> {
  return sendOnce(`${server.url}${opts.path ?? '/thumbnail'}${query}`, {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'video/mp4' },
    body: clip,
    holdBodyMs: opts.holdBodyMs,
  });
}

async function poolStats(server: RunningServer): Promise<{ busy: number; workers: number; crashed: number }> {
  const res = await fetch(`${server.url}/health`);
  const body = (await res.json()) as Record<string, unknown>;
  const pool = body.jobs as { busy: number; workers: number; crashed: number };
  return pool;
}

/** Waits until the worker is running a job, then returns its pid. */
async function busyWorker(server: RunningServer): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const pids = workerPids(server.proc.pid!);
    if ((await poolStats(server)).busy >= 1 && pids.length === 1) return pids[0]!;
    await sleep(20);
  }
  throw new Error('no busy worker');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emothumb-workers-'));
  await makeTestClip(join(dir, 'clip.mp4'), { width: 640, height: 360, fps: 30, seconds: 4, codec: 'h264' });
  clip = readFileSync(join(dir, 'clip.mp4'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('one worker, queue of one (real server)', () => {
  let server: RunningServer;
  const ids: string[] = [];

  beforeAll(async () => {
    // Slow jobs come from large GIFs: no cap on their size here.
    server = await startServer({ MODEL: 'none', WORKERS: '1', QUEUE_SIZE: '1', MAX_THUMBNAIL_MB: '1024' });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  for (const signal of ['SIGKILL', 'SIGSEGV'] as const) {
    it(`a worker killed with ${signal} mid-job costs that request only (422 decode_failed); the next succeeds`, async () => {
      const pending = postClip(server, SLOW);
      const pid = await busyWorker(server);
      process.kill(pid, signal);
      const res = await pending;
      ids.push(res.headers['x-request-id']!);
      expect(res.status).toBe(422);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String), code: 'decode_failed' });
      // Says where and how it died, and the server log names the request.
      const message = (JSON.parse(res.body) as { error: string }).error;
      expect(message).toMatch(
        new RegExp(
          `crashed the worker (in the video decoder|while converting frames|while scanning the packets|while probing the container|while starting the job) \\(${signal}\\)`,
        ),
      );
      const requestId = res.headers['x-request-id']!;
      const logLine = server
        .output()
        .split('\n')
        .find((l) => l.includes('worker crashed') && l.includes(requestId));
      expect(logLine).toBeDefined();
      expect(JSON.parse(logLine!)).toMatchObject({
        reqId: requestId,
        cause: signal,
        stage: expect.any(String),
      });

      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const next = await postClip(server);
      ids.push(next.headers['x-request-id']!);
      expect(next.status).toBe(200);
      // The pool replaced the dead worker.
      const pids = workerPids(server.proc.pid!);
      expect(pids).toHaveLength(1);
      expect(pids[0]).not.toBe(pid);
    });
  }

  it('/predict on a server started without an emotion model is 501 not_implemented, not a 500', async () => {
    const res = await send(`${server.url}/predict`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'video/mp4' },
      body: clip,
    });
    expect(res.status).toBe(501);
    expect(res.json()).toMatchObject({ code: 'not_implemented' });
  });

  it('past the queue bound: 503 overloaded with Retry-After, answered at once; the rest 200; memory flat', async () => {
    // Warm the allocator first so the measurement shows growth, not first use.
    await postClip(server);
    const before = rssMb(server.proc.pid!);
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, rssMb(server.proc.pid!))), 10);
    const start = Date.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await postClip(server, MEDIUM);
        return { res, ms: Date.now() - start };
      }),
    );
    clearInterval(timer);
    for (const { res } of results) ids.push(res.headers['x-request-id']!);
    const ok = results.filter((r) => r.res.status === 200);
    const busy = results.filter((r) => r.res.status === 503);
    expect(ok.length + busy.length).toBe(8);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(2);
    for (const { res } of busy) {
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String), code: 'overloaded' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const slowestRefusal = Math.max(...busy.map((r) => r.ms));
    const fastestSuccess = Math.min(...ok.map((r) => r.ms));
    if (process.env.ROBUSTNESS_VERBOSE)
      console.log({
        ok: ok.length,
        refused: busy.length,
        slowestRefusal,
        fastestSuccess,
        rssBefore: before,
        rssPeak: peak,
      });
    expect(slowestRefusal).toBeLessThan(fastestSuccess);
    expect(slowestRefusal).toBeLessThan(1500);
    // Eight 677 KB uploads; refused ones are never held in memory.
    expect(peak - before).toBeLessThan(60);
  });

  it('refuses with 503 from the headers alone while saturated (the upload is not read)', async () => {
    const running = [postClip(server, SLOW), postClip(server, SLOW)];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const s = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
      const pool = s.jobs as { busy: number; queued: number };
      if (pool.busy >= 1 && pool.queued >= 1) break;
      await sleep(20);
    }
    // The body is held back for 3 s: a reply before that came from the headers alone.
    const t0 = Date.now();
    const refused = await postClip(server, '', { holdBodyMs: 3000 });
    ids.push(refused.headers['x-request-id']!);
    expect(refused.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(refused.headers['retry-after']).toBeDefined();
    for (const r of await Promise.all(running)) {
      ids.push(r.headers['x-request-id']!);
      expect(r.status).toBe(200);
    }
  });

  it('logged every request', async () => {
    const logged = await loggedRequestIds(server.url);
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
  });
});

describe('per-job time limit (real server, JOB_TIMEOUT_SECONDS=1)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      MODEL: 'none',
      WORKERS: '1',
      JOB_TIMEOUT_SECONDS: '1',
      MAX_THUMBNAIL_MB: '1024',
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('a job past the limit is 422 processing_timeout, and the next request works', async () => {
    const res = await postClip(server, SLOW);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual({ error: expect.any(String), code: 'processing_timeout' });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const next = await postClip(server);
    expect(next.status).toBe(200);
    const logged = await loggedRequestIds(server.url);
    expect(logged.has(res.headers['x-request-id']!)).toBe(true);
  });
});
