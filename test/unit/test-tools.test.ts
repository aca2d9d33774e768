/**
 * The test-only tools are found the way `.ci/run` installs them (test/helpers/tools.ts), and a
 * suite without its tool is skipped on a developer's machine but fails under CI=true.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath, findPgBinDir, toolGate } from '../helpers/tools.js';

describe('finding the test-only tools', () => {
  let dir: string;

  /** An executable (or, with mode 0o644, a plain file) at `path`. */
  const fake = (path: string, mode = 0o755): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\nexit 0\n');
    chmodSync(path, mode);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'emothumb-tools-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds an executable on a PATH the way a shell does: first match, executables only', () => {
    const first = join(dir, 'path-a');
    const second = join(dir, 'path-b');
    fake(join(first, 'redis-server'), 0o644); // not executable: passed over
    fake(join(second, 'redis-server'));
    mkdirSync(join(first, 'chromium')); // a directory of that name: passed over
    fake(join(second, 'chromium'));
    const path = ['', join(dir, 'nowhere'), first, second].join(delimiter);
    expect(findOnPath('redis-server', path)).toBe(join(second, 'redis-server'));
    expect(findOnPath('chromium', path)).toBe(join(second, 'chromium'));
    fake(join(first, 'tool'));
    fake(join(second, 'tool'));
    expect(findOnPath('tool', path)).toBe(join(first, 'tool'));
    expect(findOnPath('redis-server', join(dir, 'nowhere'))).toBeUndefined();
    expect(findOnPath('redis-server', '')).toBeUndefined();
  });

  it('takes the highest PostgreSQL major under the root that has initdb, pg_ctl and postgres', () => {
    const root = join(dir, 'postgresql');
    for (const major of ['9.6', '13', '16'])
      for (const bin of ['initdb', 'pg_ctl', 'postgres']) fake(join(root, major, 'bin', bin));
    // A newer major with only the client package (no server binaries) is not a server.
    fake(join(root, '17', 'bin', 'psql'));
    mkdirSync(join(root, 'common'), { recursive: true });
    expect(findPgBinDir(root)).toBe(join(root, '16', 'bin'));
    rmSync(join(root, '16'), { recursive: true });
    // 13 above 9.6: numeric, not string, order.
    expect(findPgBinDir(root)).toBe(join(root, '13', 'bin'));
    expect(findPgBinDir(join(dir, 'no-postgresql'))).toBeUndefined();
    expect(findPgBinDir(join(root, '17'))).toBeUndefined();
  });

  it('runs a suite with its tools, skips it without them, and fails it without them under CI=true', () => {
    expect(toolGate(undefined, { CI: 'true' })).toBe('run');
    expect(toolGate(undefined, {})).toBe('run');
    expect(toolGate('redis-server not found', {})).toBe('skip');
    expect(toolGate('redis-server not found', { CI: 'false' })).toBe('skip');
    expect(toolGate('redis-server not found', { CI: 'true' })).toBe('fail');
    expect(toolGate('redis-server not found', { CI: '1' })).toBe('fail');
  });

  it('.ci/run exports CI=true', () => {
    const script = readFileSync(join(import.meta.dirname, '..', '..', '.ci', 'run'), 'utf8');
    expect(script).toMatch(/^export CI=true$/m);
  });
});
