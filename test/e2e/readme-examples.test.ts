/**
 * The README's curl examples, run as written (bash, curl, date) against the real server with a
 * real face clip named as the README names it: only the address is changed to the test server's.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSmilingClip } from '../helpers/face-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';

const README = resolve(import.meta.dirname, '..', '..', 'README.md');

/** The shell blocks of the README's "Your first request" section, in order. */
async function firstRequestExamples(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('## Your first request');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe("the README's first requests, as written (real server, curl)", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-readme-'));
    await copyFile(await makeSmilingClip(dir), join(dir, 'selfie.mp4'));
    server = await startServer();
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (script: string): string =>
    execFileSync('bash', ['-euo', 'pipefail', '-c', script.replaceAll('http://localhost:5000', server.url)], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, API_KEY: ADMIN_KEY },
    });

  it('has the examples, and they use $API_KEY and a date header', async () => {
    const examples = await firstRequestExamples();
    expect(examples).toHaveLength(2);
    for (const e of examples) {
      expect(e).toContain('$API_KEY');
      expect(e).toMatch(/x-date: \$\(date /);
    }
  });

  it('the /predict example answers an emotion', async () => {
    const [predict] = await firstRequestExamples();
    const body = JSON.parse(run(predict!)) as { emotion: string; confidence: number };
    expect(body.emotion).toBe('Happy');
    expect(body.confidence).toBeGreaterThan(0);
  });

  it('the /thumbnail example writes a WebP cover', async () => {
    const [, thumbnail] = await firstRequestExamples();
    run(thumbnail!);
    const cover = await readFile(join(dir, 'cover.webp'));
    expect(cover.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(cover.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });
});
