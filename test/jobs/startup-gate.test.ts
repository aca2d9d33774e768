import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import type { ClipJobResult } from '../../src/jobs/clip-job.types.js';
import { StartupGate } from '../../src/jobs/startup-gate.js';

/** A runner that becomes ready when told to and answers every job with its input path. */
class Runner {
  ready = false;
  ran: string[] = [];
  isReady(): boolean {
    return this.ready;
  }
  isSaturated(): boolean {
    return false;
  }
  run(job: ClipJob): Promise<ClipJobResult> {
    if (!this.ready) return Promise.reject(new AppError('not_ready'));
    this.ran.push(job.inputPath);
    return Promise.resolve({ timings: {} } as unknown as ClipJobResult);
  }
}

const job = (inputPath: string) => ({ inputPath }) as unknown as ClipJob;
const refusal = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
};

describe('StartupGate', () => {
  it('holds a job that arrives before the runner is ready, then runs it', async () => {
    const runner = new Runner();
    const gate = new StartupGate(runner, { waitMs: 5000, maxWaiting: 4, pollMs: 5 });
    const pending = gate.run(job('a'));
    await new Promise((r) => setTimeout(r, 50));
    expect(runner.ran).toEqual([]);
    runner.ready = true;
    await pending;
    expect(runner.ran).toEqual(['a']);
  });

  it('refuses with not_ready and Retry-After once the wait is over', async () => {
    const gate = new StartupGate(new Runner(), { waitMs: 60, maxWaiting: 4, pollMs: 5 });
    const started = Date.now();
    const err = await refusal(gate.run(job('a')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('not_ready');
    expect(err.headers).toMatchObject({ 'retry-after': '5' });
  });

  it('refuses at once with a zero wait, and beyond the number that may wait', async () => {
    const runner = new Runner();
    expect((await refusal(new StartupGate(runner, { waitMs: 0, maxWaiting: 4 }).run(job('a')))).code).toBe(
      'not_ready',
    );
    const gate = new StartupGate(runner, { waitMs: 5000, maxWaiting: 1, pollMs: 5 });
    const first = gate.run(job('first'));
    expect(gate.isSaturated()).toBe(true);
    const started = Date.now();
    expect((await refusal(gate.run(job('second')))).code).toBe('not_ready');
    expect(Date.now() - started).toBeLessThan(50);
    runner.ready = true;
    await first;
    expect(gate.isSaturated()).toBe(false);
    expect(runner.ran).toEqual(['first']);
  });

  it('passes jobs straight through once ready', async () => {
    const runner = new Runner();
    runner.ready = true;
    await new StartupGate(runner, { waitMs: 0, maxWaiting: 0 }).run(job('a'));
    expect(runner.ran).toEqual(['a']);
  });
});
