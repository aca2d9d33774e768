/**
 * The command line as a script uses it: data on stdout (parsable as it comes), messages and
 * errors on stderr, a non-zero exit on failure. Runs the built CLI (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

describe('the CLI keeps data on stdout and errors on stderr', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emothumb-cli-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATA_DIR: dataDir } });

  it('analyze of a missing file: nothing on stdout, a JSON error on stderr, exit 1', () => {
    const r = run(process.execPath, [CLI, 'analyze', join(dataDir, 'missing.mp4')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'no_such_file' });
  });

  it('`npm run --silent keys -- list --json` prints only JSON (what the README pipes into jq)', () => {
    const created = run(process.execPath, [CLI, 'keys', 'create', '--client', 'jq-client', '--json']);
    expect(created.status, created.stderr).toBe(0);
    const r = run('npm', ['run', '--silent', 'keys', '--', 'list', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const keys = JSON.parse(r.stdout) as { client_id: string | null }[];
    expect(keys.some((k) => k.client_id === 'jq-client')).toBe(true);
  });

  it('a usage error goes to stderr with a non-zero exit', () => {
    const r = run(process.execPath, [CLI, 'keys', 'revoke']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error/i);
  });
});
