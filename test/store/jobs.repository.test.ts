import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob, Store } from '../../src/store/types.js';
import { backends, type BackendInstance } from './backends.js';
import { describeWithTools } from '../helpers/tools.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

function newJob(id: string, over: Partial<NewJob> = {}): NewJob {
  return {
    id,
    task: 'predict',
    owner: 'client:a',
    client_id: 'a',
    key_id: 'k1',
    request_id: `req-${id}`,
    idempotency_key: null,
    request_fingerprint: null,
    callback_url: null,
    created_at: at(0).toISOString(),
    expires_at: at(3600_000).toISOString(),
    ...over,
  };
}

describe.each(backends)('jobs on $name', (backend) => {
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

    it('creates a queued job, runs it once, ends it once, with its result', async () => {
      const { job, created } = await store.jobs.create(newJob('j1'));
      expect(created).toBe(true);
      expect(job).toMatchObject({ id: 'j1', status: 'queued', attempts: 0, result: null, error: null });
      expect(await store.jobs.markRunning('j1', at(10))).toBe(true);
      expect(await store.jobs.markRunning('j1', at(20))).toBe(true);
      const body = { emotion: 'Happy', confidence: 0.9, timeline: [{ t: 0 }] };
      expect(await store.jobs.finish('j1', { status: 'succeeded', result: body }, at(30))).toBe(true);
      expect(
        await store.jobs.finish(
          'j1',
          { status: 'failed', error: { error: 'x', code: 'worker_lost' } },
          at(40),
        ),
      ).toBe(false);
      expect(await store.jobs.markRunning('j1', at(50))).toBe(false);
      const got = await store.jobs.get('j1', at(60));
      expect(got).toMatchObject({
        status: 'succeeded',
        attempts: 2,
        result: body,
        error: null,
        started_at: at(10).toISOString(),
        finished_at: at(30).toISOString(),
      });
      expect(await store.jobs.countByStatus(at(60))).toEqual({
        queued: 0,
        running: 0,
        succeeded: 1,
        failed: 0,
      });
    });

    it('keeps the fingerprint of the request an idempotency key was first used with', async () => {
      const first = await store.jobs.create(
        newJob('f1', { idempotency_key: 'fp', request_fingerprint: 'sha-a' }),
      );
      expect(first.job.request_fingerprint).toBe('sha-a');
      const again = await store.jobs.create(
        newJob('f2', { idempotency_key: 'fp', request_fingerprint: 'sha-b' }),
      );
      expect(again).toMatchObject({ created: false, job: { id: 'f1', request_fingerprint: 'sha-a' } });
      expect((await store.jobs.get('f1', at(1)))?.request_fingerprint).toBe('sha-a');
    });

    it('keeps one unexpired job per owner and idempotency key, and frees the key when it expires', async () => {
      const first = await store.jobs.create(newJob('a1', { idempotency_key: 'k' }));
      const again = await store.jobs.create(newJob('a2', { idempotency_key: 'k' }));
      expect(again).toMatchObject({ created: false, job: { id: 'a1' } });
      const other = await store.jobs.create(newJob('b1', { idempotency_key: 'k', owner: 'client:b' }));
      expect(other.created).toBe(true);
      expect(first.created).toBe(true);
      const [x, y] = await Promise.all([
        store.jobs.create(newJob('c1', { idempotency_key: 'race' })),
        store.jobs.create(newJob('c2', { idempotency_key: 'race' })),
      ]);
      expect([x.created, y.created].sort()).toEqual([false, true]);
      expect(x.job.id).toBe(y.job.id);

      const later = at(2 * 3600_000);
      expect(await store.jobs.get('a1', later)).toBeUndefined();
      const fresh = await store.jobs.create(
        newJob('a3', {
          idempotency_key: 'k',
          created_at: later.toISOString(),
          expires_at: at(3 * 3600_000).toISOString(),
        }),
      );
      expect(fresh).toMatchObject({ created: true, job: { id: 'a3' } });
    });

    it('records webhook deliveries and deletes them with their expired jobs', async () => {
      await store.jobs.create(newJob('w1'));
      await store.jobs.recordDelivery({
        job_id: 'w1',
        attempt: 1,
        url: 'https://example.com/hook',
        status_code: 500,
        ok: false,
        error: null,
        delivered_at: at(5).toISOString(),
      });
      await store.jobs.recordDelivery({
        job_id: 'w1',
        attempt: 2,
        url: 'https://example.com/hook',
        status_code: 200,
        ok: true,
        error: null,
        delivered_at: at(6).toISOString(),
      });
      expect((await store.jobs.deliveries('w1')).map((d) => [d.attempt, d.status_code, d.ok])).toEqual([
        [1, 500, false],
        [2, 200, true],
      ]);
      expect(await store.jobs.deleteExpired(at(2 * 3600_000))).toBe(1);
      expect(await store.jobs.deliveries('w1')).toEqual([]);
    });

    it('lists unexpired unfinished jobs created before a time, oldest first', async () => {
      await store.jobs.create(newJob('o2', { created_at: at(20).toISOString() }));
      await store.jobs.create(newJob('o1', { created_at: at(10).toISOString() }));
      await store.jobs.create(newJob('o3', { created_at: at(30).toISOString() }));
      await store.jobs.create(newJob('young', { created_at: at(100).toISOString() }));
      await store.jobs.create(newJob('done', { created_at: at(5).toISOString() }));
      await store.jobs.create(
        newJob('gone', { created_at: at(5).toISOString(), expires_at: at(50).toISOString() }),
      );
      await store.jobs.markRunning('o3', at(40));
      await store.jobs.finish('done', { status: 'succeeded', result: {} }, at(41));
      expect(await store.jobs.unfinishedBefore(at(100), 10, at(60))).toEqual(['o1', 'o2', 'o3']);
      expect(await store.jobs.unfinishedBefore(at(100), 2, at(60))).toEqual(['o1', 'o2']);
      expect(await store.jobs.unfinishedBefore(at(10), 10, at(60))).toEqual([]);
    });

    it('fails unfinished jobs (a single-process restart) and discards a job that was never queued', async () => {
      await store.jobs.create(newJob('u1'));
      await store.jobs.create(newJob('u2'));
      await store.jobs.markRunning('u2', at(1));
      expect(await store.jobs.failUnfinished({ error: 'restarted', code: 'worker_lost' }, at(2))).toBe(2);
      expect(await store.jobs.get('u1', at(3))).toMatchObject({
        status: 'failed',
        error: { code: 'worker_lost' },
      });
      await store.jobs.discard('u1');
      expect(await store.jobs.get('u1', at(3))).toBeUndefined();
    });
  });
});
