/**
 * Learning a person from corrections against the real server, the real model and a real face
 * clip: corrections move that person's answers, never anyone else's, and DELETE /subjects/<id>
 * gives back exactly the uncorrected answer (sync and async).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmotionClient } from '@emothumb/client';
import { makeSmilingClip } from '../helpers/face-clips.js';
import { send, type RawResponse } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';

describe('learning from corrections (real server, a smiling clip)', () => {
  let server: RunningServer;
  let dir: string;
  let smile: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-subjects-'));
    smile = await readFile(await makeSmilingClip(dir));
    server = await startServer();
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const predict = (query = ''): Promise<RawResponse> =>
    send(`${server.url}/predict${query}`, {
      method: 'POST',
      headers: authHeaders(ADMIN_KEY, { 'content-type': 'video/mp4' }),
      body: smile,
    });
  /** The answer without its latency. */
  const answer = (res: RawResponse): Record<string, unknown> => {
    expect(res.status, res.body.toString()).toBe(200);
    const { latency_ms: _latency, ...rest } = res.json();
    return rest;
  };

  it('moves only that subject, and DELETE restores the exact uncorrected answer', async () => {
    const api = createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });
    const plain = answer(await predict());
    expect(plain.emotion).toBe('Happy');
    const first = await predict('?subject_id=journal-user-1');
    expect(answer(first)).toEqual(plain);
    const second = await predict('?subject_id=journal-user-1');

    // The person says both were Sad (as a person whose sad face smiles might).
    await api.feedback(first.headers['x-request-id'] as string, 'sad');
    const state = await api.feedback(second.headers['x-request-id'] as string, 'Sad');
    expect(state).toMatchObject({ subject_id: 'journal-user-1', corrections: 2, answers: 2 });
    expect(state.bias.Sad).toBeGreaterThan(0);
    expect(await api.subject('journal-user-1')).toEqual(state);

    const learnt = answer(await predict('?subject_id=journal-user-1'));
    const before = plain.probabilities as Record<string, number>;
    const after = learnt.probabilities as Record<string, number>;
    expect(after.Sad).toBeGreaterThan(before.Sad);
    expect(after.Happy).toBeLessThan(before.Happy);
    // Without subject, and for another subject, the answer is untouched.
    expect(answer(await predict())).toEqual(plain);
    expect(answer(await predict('?subject_id=journal-user-2'))).toEqual(plain);

    // Async: the job's result is adjusted too (refitted with the answers so far, this one included).
    const job = await api.submitJob('predict', smile, {
      subject_id: 'journal-user-1',
      contentType: 'video/mp4',
    });
    const done = await api.waitForJob(job.job_id, { intervalMs: 100 });
    const jobProbs = (done.result as { probabilities: Record<string, number> }).probabilities;
    expect(jobProbs.Sad).toBeGreaterThan(before.Sad);
    expect(jobProbs.Happy).toBeLessThan(before.Happy);

    await api.deleteSubject('journal-user-1');
    await expect(api.subject('journal-user-1')).rejects.toMatchObject({
      status: 404,
      code: 'subject_not_found',
    });
    expect(answer(await predict('?subject_id=journal-user-1'))).toEqual(plain);
    const again = await api.submitJob('predict', smile, {
      subject_id: 'journal-user-1',
      contentType: 'video/mp4',
    });
    const { latency_ms: _l, ...result } = (await api.waitForJob(again.job_id, { intervalMs: 100 }))
      .result as Record<string, unknown>;
    expect(result).toEqual(plain);
  });
});
