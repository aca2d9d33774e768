import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ADMIN_KEY = 'test-admin-key-0123456789';
const ROOT = resolve(import.meta.dirname, '..', '..');

export interface RunningServer {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the server printed. */
  output: () => string;
  /** SIGTERM and wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stop and remove the data directory. */
  dispose(): Promise<void>;
}

/**
 * Starts the real built server (`node dist/main.js`) on a free port with a fresh data
 * directory. `npm test` builds first.
 */
export async function startServer(
  env: Record<string, string> = {},
  opts: { dataDir?: string; waitReady?: boolean } = {},
): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'emothumb-e2e-')));
  // As `npm start` runs it: a small young generation keeps the server's resident memory down.
  const proc = spawn(process.execPath, ['--max-semi-space-size=1', join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));

  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 60_000);
    const check = (): void => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        res(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${out}`));
    });
  });

  if (opts.waitReady !== false) {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
      const r = await fetch(`${url}/ready`).catch(() => undefined);
      if (r?.status === 200) break;
      await new Promise((r2) => setTimeout(r2, 200));
    }
  }

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };
  return {
    url,
    dataDir,
    proc,
    output: () => out,
    stop,
    async dispose() {
      await stop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers the seed's clients send. */
export function authHeaders(key = ADMIN_KEY, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-api-key': key, date: new Date().toISOString(), ...extra };
}

export interface RunningWorker {
  dataDir: string;
  proc: ChildProcess;
  /** Where /health and /metrics are served (HEALTH_PORT), when asked for. */
  healthUrl: string | undefined;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  dispose(): Promise<void>;
}

/**
 * Starts a ROLE=worker process (`node dist/main.js`) with its own data directory and waits
 * until it takes jobs. `HEALTH_PORT=0` serves its health endpoints on a free port.
 */
export async function startWorker(env: Record<string, string>): Promise<RunningWorker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'emothumb-worker-'));
  const proc = spawn(process.execPath, ['--max-semi-space-size=1', join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ROLE: 'worker',
      HOST: '127.0.0.1',
      HEALTH_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`worker did not become ready:\n${out}`)), 180_000);
    const check = (): void => {
      if (/worker ready: taking jobs/.test(out)) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        res();
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`worker exited with ${code}:\n${out}`));
    });
  });
  const health = /Health listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };
  return {
    dataDir,
    proc,
    healthUrl: health,
    output: () => out,
    stop,
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
