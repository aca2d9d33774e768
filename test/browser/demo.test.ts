/**
 * The demo page in a real browser (Debian's Chromium, driven by playwright-core) against
 * the real server with a real phone clip: the whole flow, the timeline chart, the cover
 * actually playing, WebP and GIF covers decoding, and an error shown with its code.
 * Chromium is `chromium` on the PATH (Debian's package, which `.ci/run` installs) or
 * CHROMIUM_PATH; without it the suites are skipped, saying so, or fail under CI=true.
 */
import '../../src/polyfills.js';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { makePhoneCorpus } from '../helpers/phone-clips.js';
import { ADMIN_KEY, startServer, type RunningServer } from '../helpers/server.js';
import { describeWithTools, findOnPath } from '../helpers/tools.js';

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

const CHROMIUM = process.env.CHROMIUM_PATH ?? findOnPath('chromium');
const noChromium = !CHROMIUM
  ? 'chromium not found on the PATH (apt-get install chromium; .ci/run installs it), or set CHROMIUM_PATH'
  : existsSync(CHROMIUM)
    ? undefined
    : `CHROMIUM_PATH=${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`;

describeWithTools(noChromium, 'the demo page in Chromium (real server, a phone clip with sound)', () => {
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
    // Time ticks along the bottom, from 0 s on.
    const ticks = await page.locator('text[data-tick]').allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks[0]).toBe('0 s');
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

  it('shows an error as its message and code, and nothing of the previous answer under it', async () => {
    expect(await page.isVisible('#result')).toBe(true);
    await page.fill('#key', 'not-a-key');
    await send('mp4');
    expect(await page.textContent('#status')).toMatch(/^Error 401: .+ \(unauthorized\)$/);
    expect(await page.isVisible('#result')).toBe(false);
    expect(await page.textContent('#label')).toBe('');
    expect(await page.locator('#thumb video, #thumb img, svg[role="img"]').count()).toBe(0);
    await page.fill('#key', ADMIN_KEY);
  });

  it('is readable at phone width (375 px): no sideways scrolling, 12 px chart text, the endpoint menu whole', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 } });
    try {
      await phone.goto(`${server.url}/demo`);
      await phone.fill('#key', ADMIN_KEY);
      await phone.setInputFiles('#video', clip);
      await phone.click('#send');
      await phone.waitForFunction(
        () => /Done in|Error/.test(document.getElementById('status')?.textContent ?? ''),
        undefined,
        { timeout: 60_000 },
      );
      expect(await phone.textContent('#status')).toMatch(/^Done in/);
      const layout = await phone.evaluate(() => {
        const doc = document as unknown as {
          documentElement: { scrollWidth: number };
          querySelectorAll(
            s: string,
          ): ArrayLike<{ getBoundingClientRect(): { height: number; right: number } }>;
          createElement(tag: 'canvas'): {
            getContext(k: '2d'): { font: string; measureText(t: string): { width: number } };
          };
        };
        const win = globalThis as unknown as {
          getComputedStyle(el: unknown): { font: string; paddingLeft: string; paddingRight: string };
        };
        const ticks = Array.from(doc.querySelectorAll('svg[role="img"] text'));
        const select = document.querySelector('#ep') as {
          clientWidth: number;
          options: ArrayLike<{ text: string }>;
        };
        const g = doc.createElement('canvas').getContext('2d');
        g.font = win.getComputedStyle(select).font;
        const widest = Math.max(...Array.from(select.options).map((o) => g.measureText(o.text).width));
        return {
          pageWidth: doc.documentElement.scrollWidth,
          smallestText: Math.min(...ticks.map((t) => t.getBoundingClientRect().height)),
          rightmostText: Math.max(...ticks.map((t) => t.getBoundingClientRect().right)),
          selectRoom: select.clientWidth - widest,
        };
      });
      expect(layout.pageWidth).toBeLessThanOrEqual(375);
      expect(layout.smallestText).toBeGreaterThanOrEqual(10);
      expect(layout.rightmostText).toBeLessThanOrEqual(375);
      // Room for the widest option's text besides the arrow.
      expect(layout.selectRoom).toBeGreaterThan(20);
    } finally {
      await phone.close();
    }
  });
});

describeWithTools(noChromium, '/docs in Chromium (real server)', () => {
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
