/**
 * A throwaway Redis for tests and benchmarks: `redis-server` from the PATH (Debian's package, a
 * test-only tool that `.ci/run` installs; REDIS_SERVER overrides it) on a free loopback port,
 * its files in a temp dir, append-only file on and fsynced every second (as a deployment that
 * must not lose accepted jobs runs it, docs/scaling.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from './tools.js';

/** Undefined when there is none (then redisUnavailableReason says so). */
export const REDIS_SERVER: string | undefined = process.env.REDIS_SERVER ?? findOnPath('redis-server');

export interface RedisInstance {
  url: string;
  port: number;
  proc: ChildProcess;
  /**
   * Stops Redis (SIGTERM: it flushes its append-only file; nothing when it is already dead)
   * and starts it again on the same port and files.
   */
  restart(): Promise<void>;
  /** Kills Redis with SIGKILL (no flush, no goodbye), as a crash would; `restart` brings it back. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Why Redis cannot be started here, or undefined; synchronous, for describeWithTools. */
export function redisUnavailableReason(): string | undefined {
  const install = 'apt-get install redis-server; .ci/run installs it';
  if (REDIS_SERVER === undefined) return `redis-server not found on the PATH (${install})`;
  return existsSync(REDIS_SERVER) ? undefined : `REDIS_SERVER=${REDIS_SERVER} not found (${install})`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function spawnRedis(dir: string, port: number): Promise<ChildProcess> {
  if (REDIS_SERVER === undefined) throw new Error(redisUnavailableReason());
  const proc = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      // Redis's default, spelled out: the durability docs/scaling.md describes and a test measures.
      '--appendfsync',
      'everysec',
      // BullMQ needs every key kept: an evicted job key would lose work.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 20_000);
    const check = (): void => {
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        proc.off('exit', onEarlyExit);
        resolve();
      }
    };
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${out}`));
    };
    proc.stdout!.on('data', check);
    proc.once('exit', onEarlyExit);
  });
  return proc;
}

async function stopRedis(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await exited;
}

export async function startRedis(): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'emothumb-redis-'));
  const port = await freePort();
  let proc = await spawnRedis(dir, port);
  const onExit = (): void => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get proc() {
      return proc;
    },
    async restart() {
      await stopRedis(proc);
      proc = await spawnRedis(dir, port);
    },
    async kill() {
      await stopRedis(proc, 'SIGKILL');
    },
    async stop() {
      process.removeListener('exit', onExit);
      await stopRedis(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
