import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SETTINGS } from '../../src/config/config.js';
import { ERROR_TABLE } from '../../src/errors.js';
import { UNCERTAIN_BELOW } from '../../src/vision/confidence.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const doc = (name: string): string => readFileSync(resolve(ROOT, 'docs', name), 'utf8');
const API_DOC = doc('api.md');
const CONFIG_DOC = doc('configuration.md');

describe('configuration', () => {
  it('runs on embedded defaults', () => {
    const c = parseConfig({});
    expect(c.port).toBe(5000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.maxUploadBytes).toBe(50 * 1024 * 1024);
    expect(c.maxPixels).toBe(4096 * 2160);
    expect(c.maxClockSkewSeconds).toBe(900);
    expect(c.model).toBe('default');
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('lists every problem at once', () => {
    try {
      parseConfig({ PORT: 'x', MAX_PIXELS: 'big', MODEL: 'emotimesh', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/MAX_PIXELS/);
      expect(problems).toMatch(/LOG_LEVEL/);
      expect(problems).toMatch(/MODEL=emotimesh needs/);
    }
  });
  it('reads WIDTHxHEIGHT pixel limits', () => {
    expect(parseConfig({ MAX_PIXELS: '1920x1080' }).maxPixels).toBe(1920 * 1080);
  });
});

describe('documentation', () => {
  it("keeps the uncertain flag's measured numbers in the READMEs, not in src/vision/confidence.ts", () => {
    const source = readFileSync(
      resolve(import.meta.dirname, '..', '..', 'src', 'vision', 'confidence.ts'),
      'utf8',
    );
    const visionReadme = readFileSync(
      resolve(import.meta.dirname, '..', '..', 'src', 'vision', 'README.md'),
      'utf8',
    );
    // Measured shares (16.5 %, 44.5 % ...) go stale at every refit; the READMEs are where they are kept.
    expect(source.match(/\d+\.\d+ ?%/g) ?? []).toEqual([]);
    expect(source).toContain('src/vision/README.md');
    // The threshold they describe is the one the code applies.
    expect(API_DOC).toContain(`below **${UNCERTAIN_BELOW}**`);
    expect(visionReadme).toContain(`**${UNCERTAIN_BELOW} (\`uncertain\`)**`);
  });
  it('documents every error code with its status in the API reference', () => {
    for (const [code, { status }] of Object.entries(ERROR_TABLE))
      expect(API_DOC, code).toContain(`| \`${code}\` | ${status} |`);
  });
  it('documents every setting in the configuration reference', () => {
    for (const s of SETTINGS) expect(CONFIG_DOC, s.env).toContain(`| \`${s.env}\` |`);
  });
  it('keeps the README short, for newcomers, and in the words users know', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
    for (const name of readdirSync(resolve(ROOT, 'docs')).filter((f) => f.endsWith('.md')))
      expect(doc(name), name).not.toMatch(/\bseed/i);
    expect(README).not.toMatch(/\bseed/i);
    // Every document the README links to exists.
    for (const [, target] of README.matchAll(/\]\((docs\/[^)#]+)/g))
      expect(existsSync(resolve(ROOT, target!)), target).toBe(true);
  });
});

describe('DECODER_THREADS', () => {
  it("defaults to FFmpeg's choice with one worker and shares the cores out between several", async () => {
    const { parseConfig } = await import('../../src/config/config.js');
    const { availableParallelism } = await import('node:os');
    const cores = availableParallelism();
    expect(parseConfig({ WORKERS: '1' }).decoderThreads).toBe(0);
    expect(parseConfig({ WORKERS: '2' }).decoderThreads).toBe(Math.max(1, Math.floor(cores / 2)));
    expect(parseConfig({ WORKERS: '2', DECODER_THREADS: '0' }).decoderThreads).toBe(0);
    expect(parseConfig({ DECODER_THREADS: '3' }).decoderThreads).toBe(3);
    expect(() => parseConfig({ DECODER_THREADS: '-2' })).toThrow(/DECODER_THREADS/);
  });
});
