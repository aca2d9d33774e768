/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp
 * dir, started on a free 127.0.0.1 port with its unix socket in that dir, so it
 * never touches a system cluster. initdb refuses to run as root, so as root we
 * run the server binaries as the `postgres` user (Debian's postgresql package
 * creates it; `nobody` otherwise) via runuser, with the temp dir chowned to it.
 * Binaries come from PG_BIN_DIR, else the highest major under /usr/lib/postgresql (where
 * Debian's postgresql package, which `.ci/run` installs, puts them; see ../helpers/tools.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findPgBinDir, PG_ROOT } from '../helpers/tools.js';

const run = promisify(execFile);

/** Undefined when no PostgreSQL is installed (then pgUnavailableReason says so). */
export const PG_BIN_DIR: string | undefined = process.env.PG_BIN_DIR ?? findPgBinDir();

export interface PgCluster {
  /** URL of the `postgres` database (superuser, trust auth). */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why a cluster cannot be started here, or undefined when it can. Synchronous, for describeWithTools. */
export function pgUnavailableReason(): string | undefined {
  const install = 'apt-get install postgresql (any major version; .ci/run installs it), or set PG_BIN_DIR';
  if (PG_BIN_DIR === undefined)
    return `PostgreSQL server binaries (initdb, pg_ctl, postgres) not found under ${PG_ROOT}/*/bin (${install})`;
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN_DIR, bin)))
      return `PostgreSQL's ${bin} not found in PG_BIN_DIR=${PG_BIN_DIR} (${install})`;
  }
  if (isRoot() && !runAsUser()) {
    return 'running as root without runuser or an unprivileged user to run initdb (apt-get install util-linux postgresql)';
  }
  return undefined;
}

/** The checked binary directory (startPgCluster runs only after pgUnavailableReason said yes). */
function pgBin(bin: string): string {
  return join(PG_BIN_DIR!, bin);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The user to run PostgreSQL as when we are root: read from /etc/passwd, so it works synchronously. */
function runAsUser(): { name: string; uid: number; gid: number } | undefined {
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (line && Number(uid) > 0) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(options: { fsync?: boolean } = {}): Promise<PgCluster> {
  const reason = pgUnavailableReason();
  if (reason) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'emothumb-pg-'));
  const user = isRoot() ? runAsUser() : undefined;
  if (isRoot() && !user) throw new Error('no unprivileged user to run PostgreSQL as');
  if (user) chownSync(dir, user.uid, user.gid);
  const exec = (bin: string, args: string[]) =>
    user ? run('runuser', ['-u', user.name, '--', pgBin(bin), ...args]) : run(pgBin(bin), args);

  const data = join(dir, 'data');
  await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync off by default: these clusters are thrown away, and a test's
  // "durable" means "committed before the client process died", which fsync
  // does not affect. Benchmarks of writes may turn it on.
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    `-c fsync=${options.fsync ? 'on' : 'off'}`,
    '-c max_connections=50',
  ].join(' ');
  await exec('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    settings,
    'start',
  ]);

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let counter = 0;
  let stopped = false;
  // If the test process dies without stop(), do not leave a server running.
  const onExit = () => {
    if (stopped) return;
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    if (user) spawnSync('runuser', ['-u', user.name, '--', pgBin('pg_ctl'), ...args]);
    else spawnSync(pgBin('pg_ctl'), args);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    url,
    async createDatabase(name = `t_${process.pid}_${++counter}`) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      try {
        await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
