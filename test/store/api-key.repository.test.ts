import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBootstrapAdmin, hashApiKey } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { backends, type BackendInstance } from './backends.js';
import { describeWithTools } from '../helpers/tools.js';

describe('hashApiKey', () => {
  it('is the SHA-256 hex of the key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe.each(backends)('API keys on $name', (backend) => {
  describeWithTools(backend.skipReason, '', () => {
    let instance: BackendInstance;
    let store: Store;

    beforeAll(() => backend.start());
    afterAll(() => backend.stop());
    beforeEach(async () => {
      instance = await backend.fresh();
      store = await instance.open();
    });
    afterEach(async () => {
      await store.close();
      await instance.dispose();
    });

    it('creates a prefixed 256-bit key and finds it by hash', async () => {
      const { record, key } = await store.keys.create({
        role: 'client',
        client_id: 'acme',
        label: 'phone app',
      });
      expect(key).toMatch(/^et_[A-Za-z0-9_-]{43}$/);
      expect(record).toMatchObject({
        role: 'client',
        client_id: 'acme',
        label: 'phone app',
        revoked_at: null,
      });
      expect(record.id).toMatch(/^key_[0-9a-f]{16}$/);
      expect(Number.isNaN(Date.parse(record.created_at))).toBe(false);
      expect(await store.keys.findActiveByHash(hashApiKey(key))).toEqual(record);
      expect(await store.keys.findActiveByHash(hashApiKey(key + 'x'))).toBeUndefined();
    });

    it('stores only the hash: the plaintext is nowhere in the table', async () => {
      const { key } = await store.keys.create({ role: 'admin', client_id: null });
      const rows = await instance.raw('SELECT * FROM api_keys');
      expect(rows).toHaveLength(1);
      expect(rows[0].key_hash).toBe(hashApiKey(key));
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(key.slice(3));
    });

    it('lists keys without their secrets and revokes them', async () => {
      const a = await store.keys.create({ role: 'client', client_id: 'a' });
      const b = await store.keys.create({ role: 'admin', client_id: null, label: 'ops' });
      const list = await store.keys.list();
      expect(list.map((k) => k.id).sort()).toEqual([a.record.id, b.record.id].sort());
      expect(JSON.stringify(list)).not.toContain(a.key);
      expect(JSON.stringify(list)).not.toContain(b.key);

      expect(await store.keys.revoke(a.record.id)).toBe(true);
      expect(await store.keys.revoke(a.record.id)).toBe(false);
      expect(await store.keys.revoke('key_nope')).toBe(false);
      expect(await store.keys.findActiveByHash(hashApiKey(a.key))).toBeUndefined();
      expect(await store.keys.findActiveByHash(hashApiKey(b.key))).toBeDefined();
      const revoked = (await store.keys.list()).find((k) => k.id === a.record.id);
      expect(revoked?.revoked_at).not.toBeNull();
    });

    it('counts only active admin keys', async () => {
      expect(await store.keys.countActiveAdmins()).toBe(0);
      const admin = await store.keys.create({ role: 'admin', client_id: null });
      await store.keys.create({ role: 'client', client_id: 'c' });
      expect(await store.keys.countActiveAdmins()).toBe(1);
      await store.keys.revoke(admin.record.id);
      expect(await store.keys.countActiveAdmins()).toBe(0);
    });

    it('bootstraps exactly one admin key, even when asked concurrently', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => ensureBootstrapAdmin(store)));
      const created = results.filter((k): k is string => k !== undefined);
      expect(created).toHaveLength(1);
      const record = await store.keys.findActiveByHash(hashApiKey(created[0]));
      expect(record).toMatchObject({ role: 'admin', client_id: null });
      expect(await ensureBootstrapAdmin(store)).toBeUndefined();

      // Revoking the only admin key lets the next start create a new one.
      await store.keys.revoke(record!.id);
      expect(await ensureBootstrapAdmin(store)).toMatch(/^et_/);
    });

    it('bootstraps once across two stores opened on the same database', async () => {
      const other = await instance.open();
      try {
        const results = await Promise.all([ensureBootstrapAdmin(store), ensureBootstrapAdmin(other)]);
        expect(results.filter(Boolean)).toHaveLength(1);
      } finally {
        await other.close();
      }
    });
  });
});
