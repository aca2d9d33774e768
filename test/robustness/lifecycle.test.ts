/**
 * Shutdown and sudden death, on the real server: SIGTERM lets in-flight requests finish
 * and keeps their log entries; `kill -9` under load loses no entry of a request that
 * was answered (each entry is written before its response is sent).
 */
import '../../src/polyfills.js';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeTestClip } from '../helpers/clips.js';
import { authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { loggedRequestIds, sendOnce, sleep } from './support.js';

const ENV = { MODEL: 'none', WORKERS: '1', MAX_THUMBNAIL_MB: '1024' };

describe('shutdown and kill -9 (real server)', () => {
  let dir: string;
  let slowClip: Buffer;
  let smallClip: Buffer;
  const servers: RunningServer[] = [];

  const start = async (dataDir?: string): Promise<RunningServer> => {
    const s = await startServer(ENV, dataDir ? { dataDir } : {});
    servers.push(s);
    return s;
  };
  const post = (server: RunningServer, body: Buffer, query = '') =>
    sendOnce(`${server.url}/thumbnail${query}`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'video/mp4' },
      body,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emothumb-lifecycle-'));
    await makeTestClip(join(dir, 'slow.mp4'), {
      width: 640,
      height: 360,
      fps: 30,
      seconds: 4,
      codec: 'h264',
    });
    await makeTestClip(join(dir, 'small.mp4'), {
      width: 128,
      height: 96,
      fps: 30,
      seconds: 1,
      codec: 'h264',
    });
    slowClip = readFileSync(join(dir, 'slow.mp4'));
    smallClip = readFileSync(join(dir, 'small.mp4'));
  });
  afterAll(async () => {
    for (const s of servers) {
      await s.stop('SIGKILL');
      rmSync(s.dataDir, { recursive: true, force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM (twice) with a request in flight: it completes with 200, its entry is kept, the process exits 0', async () => {
    const server = await start();
    const pending = post(server, slowClip, '?max_size=0&output_format=gif&duration=6');
    // Wait until the job is running in the worker.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const health = (await (await fetch(`${server.url}/health`)).json()) as { jobs: { busy: number } };
      if (health.jobs.busy >= 1) break;
      await sleep(20);
    }
    const exited = new Promise<number | null>((resolve) => server.proc.once('exit', (code) => resolve(code)));
    server.proc.kill('SIGTERM');
    // An impatient supervisor repeats the signal: that must not cut the drain short.
    await sleep(200);
    server.proc.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    const id = res.headers['x-request-id']!;
    expect(await exited).toBe(0);

    const again = await start(server.dataDir);
    const ids = await loggedRequestIds(again.url);
    expect(ids.has(id)).toBe(true);
    await again.stop();
  });

  it('kill -9 under load: every answered request is in the log after a restart', async () => {
    const server = await start();
    const answered: string[] = [];
    let stop = false;
    const client = async (n: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const res =
            (n + i) % 2 === 0
              ? await sendOnce(`${server.url}/logs?limit=5`, { headers: authHeaders() })
              : await post(server, smallClip, '?duration=1');
          if (res.status > 0) answered.push(res.headers['x-request-id']!);
        } catch {
          // The connection died with the server: that request was not answered.
          return;
        }
      }
    };
    const clients = Array.from({ length: 4 }, (_, n) => client(n));
    await sleep(2500);
    server.proc.kill('SIGKILL');
    await server.stop();
    stop = true;
    await Promise.all(clients);
    if (process.env.ROBUSTNESS_VERBOSE) console.log({ answeredBeforeKill: answered.length });
    expect(answered.length).toBeGreaterThan(10);

    const again = await start(server.dataDir);
    const ids = await loggedRequestIds(again.url);
    expect(answered.filter((id) => !ids.has(id))).toEqual([]);
    await again.stop();
  });
});
