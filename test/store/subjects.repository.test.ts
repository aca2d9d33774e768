import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store, SubjectCorrection } from '../../src/store/types.js';
import { backends, type BackendInstance } from './backends.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const LOGITS = [-2.5, -0.1, -3, -1.25, -4.000001];

/** A refit that shows what it was given: the bias counts each corrected emotion. */
const countingRefit = (corrections: SubjectCorrection[]): number[] =>
  ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'].map((e) => corrections.filter((c) => c.emotion === e).length);

describe.each(backends)('subjects on $name', (backend) => {
  describe.skipIf(backend.skipReason !== undefined)('', () => {
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

    const answer = (request_id: string, subject_id = 'alice', scope = 'client:a') =>
      store.subjects.recordAnswer({
        request_id,
        scope,
        subject_id,
        logits: LOGITS,
        created_at: at(0).toISOString(),
      });

    it('keeps an answer once, numbers exactly, and finds it by request id', async () => {
      await answer('r1');
      await store.subjects.recordAnswer({
        request_id: 'r1',
        scope: 'client:b',
        subject_id: 'bob',
        logits: [0, 0, 0, 0, 0],
        created_at: at(5).toISOString(),
      });
      expect(await store.subjects.findAnswer('r1')).toEqual({
        request_id: 'r1',
        scope: 'client:a',
        subject_id: 'alice',
        logits: LOGITS,
        created_at: at(0).toISOString(),
        corrected: null,
      });
      expect(await store.subjects.findAnswer('nope')).toBeUndefined();
      expect(await store.subjects.get('client:a', 'alice')).toEqual({
        scope: 'client:a',
        subject_id: 'alice',
        answers: 1,
        corrections: 0,
        bias: [0, 0, 0, 0, 0],
        updated_at: null,
      });
      expect(await store.subjects.learning('client:a', 'alice', 10)).toBeUndefined();
    });

    it('refits from every correction; a second correction of an answer replaces the first', async () => {
      await answer('r1');
      await answer('r2');
      const seen: SubjectCorrection[][] = [];
      const refit = (c: SubjectCorrection[]) => {
        seen.push(c);
        return countingRefit(c);
      };
      const base = { scope: 'client:a', subject_id: 'alice' };
      await store.subjects.correct(
        { ...base, request_id: 'r1', emotion: 'Sad', at: at(10), limit: 10 },
        refit,
      );
      await store.subjects.correct(
        { ...base, request_id: 'r2', emotion: 'Sad', at: at(20), limit: 10 },
        refit,
      );
      const state = await store.subjects.correct(
        { ...base, request_id: 'r1', emotion: 'Anger', at: at(30), limit: 10 },
        refit,
      );
      expect(seen.at(-1)).toEqual([
        { logits: LOGITS, emotion: 'Sad' },
        { logits: LOGITS, emotion: 'Anger' },
      ]);
      expect(state).toEqual({
        ...base,
        answers: 2,
        corrections: 2,
        bias: [1, 0, 0, 0, 1],
        updated_at: at(30).toISOString(),
      });
      expect(await store.subjects.learning('client:a', 'alice', 10)).toEqual({
        corrections: [
          { logits: LOGITS, emotion: 'Sad' },
          { logits: LOGITS, emotion: 'Anger' },
        ],
        answers: [LOGITS, LOGITS],
      });
      expect((await store.subjects.findAnswer('r1'))?.corrected).toBe('Anger');
    });

    it('gives the refit and the answers the latest answers, newest first, at most `limit`', async () => {
      for (let i = 0; i < 4; i++)
        await store.subjects.recordAnswer({
          request_id: `r${i}`,
          scope: 'client:a',
          subject_id: 'alice',
          logits: [i, 0, 0, 0, 0],
          created_at: at(i).toISOString(),
        });
      let given: number[][] = [];
      await store.subjects.correct(
        { scope: 'client:a', subject_id: 'alice', request_id: 'r0', emotion: 'Sad', at: at(9), limit: 3 },
        (c, answers) => {
          given = answers;
          return countingRefit(c);
        },
      );
      expect(given).toEqual([
        [3, 0, 0, 0, 0],
        [2, 0, 0, 0, 0],
        [1, 0, 0, 0, 0],
      ]);
      expect((await store.subjects.learning('client:a', 'alice', 2))?.answers).toEqual([
        [3, 0, 0, 0, 0],
        [2, 0, 0, 0, 0],
      ]);
    });

    it('scopes subjects: the same id under two clients is two people', async () => {
      await answer('r1', 'alice', 'client:a');
      await answer('r2', 'alice', 'client:b');
      expect(
        await store.subjects.correct(
          { scope: 'client:b', subject_id: 'alice', request_id: 'r1', emotion: 'Sad', at: at(1), limit: 10 },
          countingRefit,
        ),
      ).toBeUndefined();
      await store.subjects.correct(
        { scope: 'client:b', subject_id: 'alice', request_id: 'r2', emotion: 'Sad', at: at(1), limit: 10 },
        countingRefit,
      );
      expect(await store.subjects.learning('client:a', 'alice', 10)).toBeUndefined();
      expect((await store.subjects.get('client:b', 'alice'))?.corrections).toBe(1);
      expect(await store.subjects.erase('client:a', 'alice')).toBe(true);
      expect(await store.subjects.get('client:a', 'alice')).toBeUndefined();
      expect((await store.subjects.get('client:b', 'alice'))?.bias).toEqual([0, 0, 0, 0, 1]);
    });

    it('erases everything of a subject; unknown is false; a correction after erasure finds nothing', async () => {
      await answer('r1');
      await store.subjects.correct(
        { scope: 'client:a', subject_id: 'alice', request_id: 'r1', emotion: 'Happy', at: at(1), limit: 10 },
        countingRefit,
      );
      expect(await store.subjects.erase('client:a', 'alice')).toBe(true);
      expect(await store.subjects.erase('client:a', 'alice')).toBe(false);
      expect(await store.subjects.findAnswer('r1')).toBeUndefined();
      expect(await store.subjects.learning('client:a', 'alice', 10)).toBeUndefined();
      expect(await instance.raw('SELECT * FROM subjects')).toEqual([]);
      expect(await instance.raw('SELECT * FROM subject_answers')).toEqual([]);
      expect(
        await store.subjects.correct(
          {
            scope: 'client:a',
            subject_id: 'alice',
            request_id: 'r1',
            emotion: 'Happy',
            at: at(2),
            limit: 10,
          },
          countingRefit,
        ),
      ).toBeUndefined();
      expect(await instance.raw('SELECT * FROM subjects')).toEqual([]);
    });

    it('concurrent corrections of one subject (two connections) end with a bias that saw all of them', async () => {
      const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
      for (const id of ids) await answer(id);
      const other = await instance.open();
      try {
        await Promise.all(
          ids.map((id, i) =>
            (i % 2 ? other : store).subjects.correct(
              {
                scope: 'client:a',
                subject_id: 'alice',
                request_id: id,
                emotion: 'Shock',
                at: at(i),
                limit: 10,
              },
              countingRefit,
            ),
          ),
        );
      } finally {
        await other.close();
      }
      expect(await store.subjects.get('client:a', 'alice')).toMatchObject({
        bias: [0, 0, 12, 0, 0],
        corrections: 12,
      });
    });

    it('finds who was given an answer in the request log, by request id', async () => {
      const entry = {
        timestamp: at(0).toISOString(),
        request_method: 'POST',
        status_code: 200,
        latency_ms: 12,
        client_id: 'a',
        success: true,
        prediction: 'Happy',
        confidence: 0.9,
        error_message: null,
        error_code: null,
        key_id: 'k1',
        model: 'm',
      };
      await store.logs.insert({ ...entry, request_id: 'ok', endpoint: '/predict' });
      await store.logs.insert({ ...entry, request_id: 'thumb', endpoint: '/thumbnail' });
      await store.logs.insert({
        ...entry,
        request_id: 'failed',
        endpoint: '/predict',
        status_code: 422,
        success: false,
      });
      const endpoints = ['/predict', '/analyze'];
      expect(await store.subjects.loggedAnswer('ok', endpoints)).toEqual({ key_id: 'k1', client_id: 'a' });
      expect(await store.subjects.loggedAnswer('thumb', endpoints)).toBeUndefined();
      expect(await store.subjects.loggedAnswer('failed', endpoints)).toBeUndefined();
      expect(await store.subjects.loggedAnswer('nope', endpoints)).toBeUndefined();
    });

    it('jobs keep the subject they were submitted with', async () => {
      const base = {
        task: 'predict' as const,
        owner: 'client:a',
        client_id: 'a',
        key_id: 'k',
        idempotency_key: null,
        request_fingerprint: null,
        callback_url: null,
        created_at: at(0).toISOString(),
        expires_at: at(3600_000).toISOString(),
      };
      await store.jobs.create({ ...base, id: 'j1', request_id: 'q1', subject_id: 'alice' });
      await store.jobs.create({ ...base, id: 'j2', request_id: 'q2' });
      expect((await store.jobs.get('j1', at(1)))?.subject_id).toBe('alice');
      expect((await store.jobs.get('j2', at(1)))?.subject_id).toBeNull();
    });
  });
});
