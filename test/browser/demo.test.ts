/**
 * The demo page in a real browser (Debian's Chromium, driven by playwright-core) against
 * the real server with a real phone clip: the whole flow, the timeline chart, the cover
 * actually playing, WebP and GIF covers decoding, and an error shown with its code.
 * Skipped, saying so, only when no Chromium is installed (`.ci/run` installs it).
 */
import '../../src/polyfills.js';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makePhoneCorpus } from '../helpers/phone-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';

/** The few browser globals the page-side callbacks use (the tests' TypeScript has no DOM types). */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): unknown;
};
interface VideoState {
  readyState: number;
  videoWidth: number;
  currentTime: number;
}
interface ImageState {
  complete: boolean;
  naturalWidth: number;
}

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
if (!CHROMIUM)
  console.warn('browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');

describe.skipIf(!CHROMIUM)('the demo page in Chromium (real server, a phone clip with sound)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let clip: string;

  beforeAll(async () => {
    clip = (await makePhoneCorpus()).get('android-h264-aac')!;
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
    });
    page = await browser.newPage();
    await page.goto(`${server.url}/demo`);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const send = async (format: string): Promise<void> => {
    await page.selectOption('#fmt', format);
    await page.click('#send');
    await page.waitForFunction(
      () => /Done in|Error/.test(document.getElementById('status')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
  };

  it('analyses a clip: label, timeline chart with a point per frame and the peak, face box on a still, the MP4 cover playing', async () => {
    await page.fill('#key', ADMIN_KEY);
    await page.setInputFiles('#video', clip);
    await send('mp4');
    expect(await page.textContent('#status')).toMatch(/^Done in/);
    expect(await page.textContent('#label')).toMatch(/^Happy — \d+% confident/);

    const label = await page.getAttribute('svg[role="img"]', 'aria-label');
    expect(label).toMatch(/^Emotion timeline/);
    for (const e of ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad']) {
      expect(await page.getAttribute(`polyline[data-emotion="${e}"]`, 'data-points')).toBe('15');
    }
    expect(await page.locator('line[data-peak]').count()).toBe(1);
    await page.waitForSelector('#still canvas[data-face="drawn"]', { timeout: 20_000 });

    // The MP4 cover really plays: decoded, sized, and its clock moves.
    await page.waitForFunction(
      () => {
        const v = document.querySelector('#thumb video') as VideoState | null;
        return !!v && v.readyState >= 2 && v.videoWidth > 0;
      },
      undefined,
      { timeout: 20_000 },
    );
    const clock = (): Promise<number> =>
      page.evaluate(() => (document.querySelector('#thumb video') as VideoState).currentTime);
    const t0 = await clock();
    await page.waitForTimeout(700);
    const t1 = await clock();
    expect(t1).not.toBe(t0);
  });

  for (const format of ['webp', 'gif']) {
    it(`shows a ${format} cover that decodes in an <img>`, async () => {
      await send(format);
      expect(await page.textContent('#status')).toMatch(/^Done in/);
      await page.waitForFunction(
        () => {
          const img = document.querySelector('#thumb img') as ImageState | null;
          return !!img && img.complete && img.naturalWidth > 0;
        },
        undefined,
        { timeout: 20_000 },
      );
    });
  }

  it('analyses a photo: a one-point timeline, the face box on the photo, the JPEG cover in an <img>', async () => {
    const photo = join(tmpdir(), `demo-photo-${process.pid}.jpg`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '1', '-i', clip, '-frames:v', '1', photo]);
    try {
      await page.setInputFiles('#video', photo);
      await send('mp4');
      expect(await page.textContent('#status')).toMatch(/^Done in/);
      expect(await page.textContent('#label')).toMatch(/^Happy — \d+% confident/);
      expect(await page.getAttribute('polyline[data-emotion="Happy"]', 'data-points')).toBe('1');
      await page.waitForSelector('#still canvas[data-face="drawn"]', { timeout: 20_000 });
      await page.waitForFunction(
        () => {
          const img = document.querySelector('#thumb img') as (ImageState & { src: string }) | null;
          return !!img && img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/jpeg');
        },
        undefined,
        { timeout: 20_000 },
      );
    } finally {
      await page.setInputFiles('#video', clip);
      rmSync(photo, { force: true });
    }
  });

  it('shows an error as its message and code', async () => {
    await page.fill('#key', 'not-a-key');
    await send('mp4');
    expect(await page.textContent('#status')).toMatch(/^Error 401: .+ \(unauthorized\)$/);
    await page.fill('#key', ADMIN_KEY);
  });
});

describe.skipIf(!CHROMIUM)('/docs in Chromium (real server)', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({ MODEL: 'none' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('loads, and "Try it out" on GET /logs works with the key and x-date', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/docs`);
    // Authorize with the API key.
    await page.click('button.authorize', { timeout: 30_000 });
    await page.fill('.auth-container input', ADMIN_KEY);
    await page.click('.auth-btn-wrapper button.authorize');
    await page.click('.auth-btn-wrapper button.btn-done');
    // Open GET /logs, try it out with an x-date header, execute.
    await page.click('.opblock-get .opblock-summary-path[data-path="/logs"]');
    await page.click('.opblock.is-open button.try-out__btn');
    await page.fill('.opblock.is-open tr[data-param-name="x-date"] input', new Date().toISOString());
    await page.click('.opblock.is-open button.execute');
    const status = page.locator('.opblock.is-open .live-responses-table .response .response-col_status');
    await status.first().waitFor({ timeout: 20_000 });
    expect((await status.first().textContent())?.trim()).toBe('200');
    await page.close();
  });
});
