import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { AppError } from '../../src/errors.js';
import type { ClipJobRequest, ClipJobResult, ThumbnailRequest } from '../../src/jobs/clip-job.types.js';
import type { ClipJob, WorkerCrash } from '../../src/jobs/job-runner.js';
import { ProcessPoolRunner, type ProcessPoolRunnerOptions } from '../../src/jobs/process-pool-runner.js';
import type { EngineSettings } from '../../src/vision/index.js';

const STUB_WORKER = join(import.meta.dirname, 'fixtures', 'stub.worker.mjs');

/** Any object will do: the stub worker never reads it, it only has to arrive intact. */
const ENGINE = {
  model: 'none',
  calibration: { marker: 'calibration-for-test', weights: [[1, 2, 3]] },
} as unknown as EngineSettings;

const THUMBNAIL: ThumbnailRequest = {
  durationSec: 3,
  format: 'mp4',
  maxSize: 480,
  crop: 'none',
  anchor: 'whole',
};

type EchoResult = ClipJobResult & { echo: { request: ClipJobRequest; pid: number } };

/** `command` tells the stub worker what to do (see fixtures/stub.worker.mjs). */
function job(command: string, requestId = `req-${command}`): ClipJob {
  return {
    requestId,
    inputPath: command,
    limits: { maxPixels: 1000, maxSeconds: 10, minFrames: 15 },
    predict: false,
    predictFrames: 15,
    thumbnail: THUMBNAIL,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('ProcessPoolRunner (stub worker)', () => {
  const runners: ProcessPoolRunner[] = [];
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
  });

  async function started(options: Partial<ProcessPoolRunnerOptions> = {}): Promise<ProcessPoolRunner> {
    const runner = new ProcessPoolRunner({
      workers: 1,
      queueSize: 4,
      jobTimeoutMs: 5000,
      workerScript: STUB_WORKER,
      ...options,
    });
    runners.push(runner);
    await runner.start(ENGINE);
    return runner;
  }

  it('refuses jobs with not_ready before start() and is not ready', async () => {
    const runner = new ProcessPoolRunner({ workers: 1, queueSize: 1, jobTimeoutMs: 1000 });
    runners.push(runner);
    expect(runner.isReady()).toBe(false);
    expect(runner.isSaturated()).toBe(false);
    const err = await appError(runner.run(job('ok')));
    expect(err.code).toBe('not_ready');
    expect(err.status).toBe(503);
    expect(err.headers['retry-after']).toBeDefined();
    expect(runner.stats()).toEqual({ workers: 0, busy: 0, queued: 0, completed: 0, failed: 0, crashed: 0 });
  });

  it('is ready after start() and returns the worker result with the thumbnail bytes as a Buffer', async () => {
    const runner = await started();
    expect(runner.isReady()).toBe(true);
    const result = (await runner.run(job('ok', 'req-42'))) as EchoResult;
    expect(result.video.container).toBe('stub');
    expect(result.timings).toEqual({ stub: 1 });
    const thumb = result.thumbnail!;
    expect(Buffer.isBuffer(thumb.data)).toBe(true);
    expect(thumb.data.toString('utf8')).toBe('stub-thumbnail');
    expect(thumb.data.toString('base64')).toBe(Buffer.from('stub-thumbnail').toString('base64'));
    expect(thumb).toMatchObject({ format: 'mp4', width: 64, height: 48, frames: 29, durationSec: 2.9 });
    expect(result.echo.pid).not.toBe(process.pid);
    expect(runner.stats()).toMatchObject({ workers: 1, completed: 1, failed: 0, crashed: 0 });
  });

  it('sends the engine settings given to start() inside every job request', async () => {
    const runner = await started();
    const first = (await runner.run(job('ok', 'a'))) as EchoResult;
    const second = (await runner.run({ ...job('ok', 'b'), predict: true, faceOptional: true })) as EchoResult;
    expect(first.echo.request.engine).toEqual(ENGINE);
    expect(second.echo.request.engine).toEqual(ENGINE);
    // The rest of the job crosses the process boundary unchanged.
    expect(second.echo.request).toEqual({
      ...job('ok', 'b'),
      predict: true,
      faceOptional: true,
      engine: ENGINE,
    });
  });

  it('turns a worker error carrying a known code into that AppError, and keeps others as they are', async () => {
    const runner = await started();
    const noFace = await appError(runner.run(job('error:no_face')));
    expect(noFace.code).toBe('no_face');
    expect(noFace.status).toBe(422);
    expect(noFace.message).toBe('stub failure error:no_face');

    const tooLong = await appError(runner.run(job('error:video_too_long')));
    expect(tooLong.code).toBe('video_too_long');

    const unknown = await rejection(runner.run(job('error:weird_code')));
    expect(unknown).toBeInstanceOf(Error);
    expect(unknown).not.toBeInstanceOf(AppError);
    expect((unknown as Error).message).toBe('stub failure error:weird_code');

    expect(runner.stats()).toMatchObject({ completed: 0, failed: 3, crashed: 0 });
    // The worker survived its errors.
    await expect(runner.run(job('ok'))).resolves.toBeDefined();
  });

  it('turns a worker that dies under a job into decode_failed naming the stage, and reports the crash', async () => {
    const crashes: WorkerCrash[] = [];
    const onCrash = vi.fn((crash: WorkerCrash) => crashes.push(crash));
    const runner = await started({ onCrash });
    const before = (await runner.run(job('ok'))) as EchoResult;

    const err = await appError(runner.run(job('crash', 'req-crash')));
    expect(err.code).toBe('decode_failed');
    expect(err.status).toBe(422);
    expect(err.message).toContain('in the video decoder');
    expect(err.message).toContain('SIGKILL');
    expect(onCrash).toHaveBeenCalledTimes(1);
    expect(crashes[0]).toEqual({ requestId: 'req-crash', stage: 'decode', cause: 'SIGKILL' });
    expect(runner.stats()).toMatchObject({ completed: 1, failed: 1, crashed: 1 });

    // Only that job is lost: a replacement worker takes the next one.
    const after = (await runner.run(job('ok'))) as EchoResult;
    expect(after.echo.pid).not.toBe(before.echo.pid);
    expect(after.echo.request.engine).toEqual(ENGINE);
    expect(runner.stats()).toMatchObject({ completed: 2, failed: 1, crashed: 1 });
  });

  it('stops a job that runs past jobTimeoutMs with processing_timeout', async () => {
    const runner = await started({ jobTimeoutMs: 300 });
    const startedAt = Date.now();
    const err = await appError(runner.run(job('sleep:5000')));
    expect(err.code).toBe('processing_timeout');
    expect(err.status).toBe(422);
    expect(Date.now() - startedAt).toBeLessThan(2500);
    expect(runner.stats()).toMatchObject({ completed: 0, failed: 1, crashed: 0 });
    // A job within the limit still runs afterwards.
    await expect(runner.run(job('sleep:10'))).resolves.toBeDefined();
    expect(runner.stats()).toMatchObject({ completed: 1, failed: 1 });
  });

  it('refuses a job beyond the queue bound with overloaded (workers 1, queueSize 1)', async () => {
    const runner = await started({ workers: 1, queueSize: 1, retryAfterSeconds: 7 });
    expect(runner.isSaturated()).toBe(false);
    const running = runner.run(job('sleep:300', 'running'));
    const queued = runner.run(job('sleep:10', 'queued'));
    expect(runner.isSaturated()).toBe(true);
    expect(runner.stats()).toMatchObject({ busy: 1, queued: 1 });

    const err = await appError(runner.run(job('ok', 'refused')));
    expect(err.code).toBe('overloaded');
    expect(err.status).toBe(503);
    expect(err.headers).toEqual({ 'retry-after': '7' });

    const results = (await Promise.all([running, queued])) as EchoResult[];
    expect(results.map((r) => r.echo.request.requestId)).toEqual(['running', 'queued']);
    expect(runner.isSaturated()).toBe(false);
    expect(runner.stats()).toMatchObject({ busy: 0, queued: 0, completed: 2, failed: 0 });
  });

  // Regression: a queue bound of 0 once meant unbounded.
  it('with queueSize 0, refuses a job while the only worker is busy', async () => {
    const runner = await started({ workers: 1, queueSize: 0 });
    const running = runner.run(job('sleep:200', 'running'));
    const err = await appError(runner.run(job('ok', 'second')));
    expect(err.code).toBe('overloaded');
    await running;
  });

  it('counts completed, failed and crashed jobs together', async () => {
    const runner = await started({ onCrash: () => undefined });
    await runner.run(job('ok'));
    await runner.run(job('ok'));
    await rejection(runner.run(job('error:no_face')));
    await rejection(runner.run(job('crash')));
    // busy may be 1 here: the replacement worker is warming up.
    expect(runner.stats()).toMatchObject({ workers: 1, queued: 0, completed: 2, failed: 2, crashed: 1 });
  });

  it('close() stops the workers; the runner is then not ready', async () => {
    const runner = await started();
    const result = (await runner.run(job('ok'))) as EchoResult;
    await runner.close();
    expect(runner.isReady()).toBe(false);
    expect((await appError(runner.run(job('ok')))).code).toBe('not_ready');
    // The worker process is gone.
    await vi.waitFor(() => expect(() => process.kill(result.echo.pid, 0)).toThrow(), { timeout: 3000 });
  });

  describe('several clips per process (clipsPerProcess)', () => {
    it('runs that many jobs at once in one process, and spreads more over further processes', async () => {
      const runner = await started({ workers: 3, clipsPerProcess: 2, queueSize: 0 });
      const startedAt = Date.now();
      const results = (await Promise.all(
        ['a', 'b', 'c'].map((id) => runner.run(job('sleep:400', id))),
      )) as EchoResult[];
      // All three ran at once (queueSize 0 would have refused a waiting one).
      expect(Date.now() - startedAt).toBeLessThan(1200);
      const pids = results.map((r) => r.echo.pid);
      expect(new Set(pids).size).toBe(2);
      expect(runner.stats()).toMatchObject({ workers: 3, busy: 0, completed: 3 });
      // A fourth at once is refused: three slots, no queue.
      const running = ['a', 'b', 'c'].map((id) => runner.run(job('sleep:200', id)));
      expect(runner.isSaturated()).toBe(true);
      expect((await appError(runner.run(job('ok', 'd')))).code).toBe('overloaded');
      await Promise.all(running);
    });

    it('a crash fails every job running in that process, each with its own stage, and the process is replaced', async () => {
      const crashes: WorkerCrash[] = [];
      const runner = await started({ workers: 2, clipsPerProcess: 2, onCrash: (c) => crashes.push(c) });
      const beside = runner.run(job('sleep:2000', 'beside'));
      const err = await appError(runner.run(job('crash', 'crasher')));
      expect(err.code).toBe('decode_failed');
      const besideErr = await appError(beside);
      expect(besideErr.code).toBe('decode_failed');
      expect(besideErr.message).toContain('while starting the job');
      expect(crashes).toEqual(
        expect.arrayContaining([
          { requestId: 'crasher', stage: 'decode', cause: 'SIGKILL' },
          { requestId: 'beside', stage: 'start', cause: 'SIGKILL' },
        ]),
      );
      expect(runner.stats()).toMatchObject({ failed: 2, crashed: 2 });
      await expect(runner.run(job('ok'))).resolves.toBeDefined();
    });

    it('a job past its time limit fails alone: the job beside it finishes, then the process is replaced', async () => {
      const runner = await started({ workers: 2, clipsPerProcess: 2, jobTimeoutMs: 300 });
      const first = (await runner.run(job('ok'))) as EchoResult;
      const stuck = runner.run(job('sleep:5000', 'stuck'));
      const beside = runner.run(job('sleep:250', 'beside'));
      expect((await appError(stuck)).code).toBe('processing_timeout');
      const besideResult = (await beside) as EchoResult;
      expect(besideResult.echo.pid).toBe(first.echo.pid);
      const next = (await runner.run(job('ok'))) as EchoResult;
      expect(next.echo.pid).not.toBe(first.echo.pid);
      expect(runner.stats()).toMatchObject({ completed: 3, failed: 1, crashed: 0 });
    });
  });
});
