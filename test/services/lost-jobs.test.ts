import { describe, expect, it } from 'vitest';
import type { ErrorShape } from '../../src/errors.js';
import { LOST_JOB_ERROR, LostJobSweeper, type QueueMembership } from '../../src/services/lost-jobs.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');

/** Unfinished jobs by creation time, a queue holding some of them, and the failures recorded. */
function setup(created: Record<string, number>, inQueue: Set<string>) {
  const failed: [string, ErrorShape][] = [];
  const asked: { before: number; limit: number }[] = [];
  let queueDown = false;
  const jobs = {
    async unfinishedBefore(before: Date, limit: number): Promise<string[]> {
      asked.push({ before: before.getTime(), limit });
      return Object.entries(created)
        .filter(([id, t]) => t < before.getTime() && !failed.some(([f]) => f === id))
        .sort((a, b) => a[1] - b[1])
        .slice(0, limit)
        .map(([id]) => id);
    },
  };
  const queue: QueueMembership = {
    async missingJobs(ids) {
      if (queueDown) throw new Error('Redis is unreachable');
      return ids.filter((id) => !inQueue.has(id));
    },
  };
  const sweeper = new LostJobSweeper(jobs, queue, async (id, error) => void failed.push([id, error]), {
    graceMs: 60_000,
    batch: 100,
  });
  return { sweeper, failed, asked, setQueueDown: (down: boolean) => (queueDown = down) };
}

describe('LostJobSweeper', () => {
  it('fails a job the queue no longer holds at the second look, with worker_lost', async () => {
    const { sweeper, failed } = setup({ lost: T0, held: T0 }, new Set(['held']));
    expect(await sweeper.sweep(new Date(T0 + 120_000))).toEqual([]);
    expect(failed).toEqual([]);
    expect(await sweeper.sweep(new Date(T0 + 180_000))).toEqual(['lost']);
    expect(failed).toEqual([['lost', LOST_JOB_ERROR]]);
    expect(LOST_JOB_ERROR.code).toBe('worker_lost');
    expect(await sweeper.sweep(new Date(T0 + 240_000))).toEqual([]);
  });

  it('checks only jobs older than the grace period, at most a batch, oldest first', async () => {
    const { sweeper, asked } = setup({ a: T0 }, new Set());
    await sweeper.sweep(new Date(T0 + 90_000));
    expect(asked).toEqual([{ before: T0 + 30_000, limit: 100 }]);
  });

  it('does not fail a job missing at one look only (between its record and its enqueue)', async () => {
    const inQueue = new Set<string>();
    const { sweeper, failed } = setup({ late: T0 }, inQueue);
    await sweeper.sweep(new Date(T0 + 120_000));
    inQueue.add('late');
    await sweeper.sweep(new Date(T0 + 180_000));
    inQueue.delete('late');
    await sweeper.sweep(new Date(T0 + 240_000));
    expect(failed).toEqual([]);
  });

  it('changes nothing when the queue cannot be asked', async () => {
    const { sweeper, failed, setQueueDown } = setup({ lost: T0 }, new Set());
    await sweeper.sweep(new Date(T0 + 120_000));
    setQueueDown(true);
    await expect(sweeper.sweep(new Date(T0 + 180_000))).rejects.toThrow(/unreachable/);
    expect(failed).toEqual([]);
    setQueueDown(false);
    expect(await sweeper.sweep(new Date(T0 + 240_000))).toEqual(['lost']);
  });
});
