import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerKeysCommand } from '../../src/cli/keys.command.js';
import { hashApiKey, openStore } from '../../src/store/index.js';

describe('keys command (SQLite)', () => {
  let dataDir: string;
  let out: string[];
  let err: string[];

  async function run(...args: string[]): Promise<string> {
    out = [];
    err = [];
    const program = new Command('emothumb').exitOverride();
    registerKeysCommand(program, () => ({ dataDir }), {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    await program.parseAsync(['node', 'emothumb', ...args]);
    return out.join('');
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'emothumb-keys-'));
    process.exitCode = undefined;
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  it('creates a client key, prints it once, and the store finds it by hash', async () => {
    const text = await run('keys', 'create', '--client', 'journal', '--label', 'ios');
    const key = /(et_[A-Za-z0-9_-]{43})/.exec(text)?.[1];
    expect(key).toBeDefined();
    expect(text).toMatch(/Created client key key_[0-9a-f]{16} for client "journal"/);
    const store = await openStore({ dataDir });
    try {
      expect(await store.keys.findActiveByHash(hashApiKey(key!))).toMatchObject({
        role: 'client',
        client_id: 'journal',
        label: 'ios',
      });
    } finally {
      await store.close();
    }
  });

  it('lists keys as a table and as JSON, never showing the key', async () => {
    const created = JSON.parse(await run('keys', 'create', '--admin', '--json')) as {
      id: string;
      key: string;
    };
    expect(created.key).toMatch(/^et_/);
    const table = await run('keys', 'list');
    expect(table).toMatch(/^ID\s+ROLE\s+CLIENT\s+LABEL\s+CREATED\s+REVOKED/);
    expect(table).toContain(created.id);
    expect(table).not.toContain(created.key);
    const json = JSON.parse(await run('keys', 'list', '--json')) as { id: string; role: string }[];
    expect(json).toEqual([expect.objectContaining({ id: created.id, role: 'admin' })]);
    expect(JSON.stringify(json)).not.toContain(created.key);
  });

  it('revokes by id and reports unknown or already revoked ids', async () => {
    const { id } = JSON.parse(await run('keys', 'create', '--client', 'c', '--json')) as { id: string };
    expect(await run('keys', 'revoke', id)).toBe(`Revoked ${id}.\n`);
    expect(await run('keys', 'revoke', id)).toBe(`${id} was already revoked.\n`);
    await run('keys', 'revoke', 'key_missing');
    expect(err.join('')).toContain('no key with id key_missing');
    expect(process.exitCode).toBe(1);
  });

  it('refuses a key that is neither admin nor client, or both', async () => {
    await run('keys', 'create');
    expect(err.join('')).toMatch(/--client <id>/);
    expect(process.exitCode).toBe(2);
    await run('keys', 'create', '--admin', '--client', 'x');
    expect(err.join('')).toMatch(/admin key has no client id/);
  });
});
