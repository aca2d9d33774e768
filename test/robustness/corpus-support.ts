/**
 * Shared machinery of the hostile-input corpus (`corpus-*.test.ts`): every kind of
 * broken, odd or malicious request we could think of, sent to the real built server.
 * Each must get its exact status and stable error code in our JSON shape, never a 5xx;
 * the server must stay up; and every request must be in the request log under the id
 * its response carried.
 *
 * Each corpus file holds a table of {@link Case}s and calls {@link describeCorpus},
 * which starts its own server, prepares the files the table names (see
 * {@link CORPUS_FILES}) and checks every case.
 */
import '../../src/polyfills.js';

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  makeAudioOnlyFile,
  makeBombPng,
  makeCorruptedClip,
  makeTestClip,
  makeTruncatedFile,
} from '../helpers/clips.js';
import { SMILING_PHOTO } from '../helpers/face-clips.js';
import { makePhoneCorpus, requireSystemFfmpeg } from '../helpers/phone-clips.js';
import { authHeaders, startServer, type RunningServer } from '../helpers/server.js';
import { loggedRequestIds, rawHttp, sendOnce, writeClip, writePng, type RawReply } from './support.js';

export const MAX_UPLOAD_MB = 2;

/** The server settings every corpus file starts its server with. */
const SERVER_ENV = {
  MODEL: 'none',
  WORKERS: '1',
  MAX_UPLOAD_MB: String(MAX_UPLOAD_MB),
  MAX_VIDEO_SECONDS: '5',
};

/** What one corpus entry sends: a node:http request, or raw bytes over a socket. */
export type Sent =
  | {
      path: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      auth?: boolean;
      holdBodyMs?: number;
    }
  | { raw: string | Buffer };

export interface Case {
  kind: string;
  send: () => Sent;
  status: number;
  /** The error code (for errors). */
  code?: string;
  /** Statuses also accepted (e.g. a damaged clip may decode or not), each with its code. */
  alternatives?: { status: number; code?: string }[];
}

/** The temp folder of the running corpus file (one per test file: vitest isolates modules per file). */
let dir: string | undefined;

/** The bytes of a prepared corpus file. */
export const file = (name: string): Buffer => {
  if (!dir) throw new Error('corpus files are only there once beforeAll has run');
  return readFileSync(join(dir, name));
};
const b64 = (name: string): string => file(name).toString('base64');

export const json = (path: string, body: unknown, headers: Record<string, string> = {}): Sent => ({
  path,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
export const seedJson = (path: string, name: string, extra: Record<string, unknown> = {}): Sent =>
  json(path, { encoding: 'base64', format: 'mp4', fps: 30, content: b64(name), ...extra });
export const raw = (path: string, name: string, query = ''): Sent => ({
  path: `${path}${query}`,
  method: 'POST',
  headers: { 'content-type': 'application/octet-stream' },
  body: file(name),
});

export function multipart(fields: { name: string; filename?: string; data: Buffer | string }[]): {
  headers: Record<string, string>;
  body: Buffer;
} {
  const boundary = '----robustness7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const f of fields) {
    const disposition = f.filename
      ? `form-data; name="${f.name}"; filename="${f.filename}"`
      : `form-data; name="${f.name}"`;
    const type = f.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      Buffer.from(f.data),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat(parts),
  };
}

interface MakeContext {
  /** Path of a corpus file in the temp folder. */
  at: (name: string) => string;
  /** The phone-like clips with sound (Debian's ffmpeg, a test-only tool), made once. */
  phone: () => Promise<Map<string, string>>;
  /** Runs Debian's ffmpeg quietly. */
  ffmpeg: (...args: string[]) => void;
}

const small = { width: 128, height: 96, fps: 30, seconds: 1, codec: 'h264' } as const;
const clip =
  (o: Parameters<typeof makeTestClip>[1]) =>
  (c: MakeContext, name: string): Promise<void> =>
    makeTestClip(c.at(name), o);
const gen =
  (o: Omit<Parameters<typeof writeClip>[1], 'frames'> & { frames?: number }) =>
  (c: MakeContext, name: string): Promise<void> =>
    writeClip(c.at(name), { frames: 20, ...o });
const tone = (seconds: number): string[] => [
  '-f',
  'lavfi',
  '-t',
  String(seconds),
  '-i',
  'sine=frequency=440',
];
/** 64 single-bit flips from 40 % of the way in. */
const flipBits = (data: Buffer): Buffer => {
  for (let i = 0; i < 64; i++) data[Math.floor(data.length * 0.4) + i * 37]! ^= 1 << (i % 8);
  return data;
};

/**
 * Every file a corpus case may send, by name, in the order they are made; `needs`
 * names files a file is made from (listed earlier).
 */
export const CORPUS_FILES: readonly {
  name: string;
  needs?: string[];
  make: (c: MakeContext, name: string) => Promise<void> | void;
}[] = [
  { name: 'small.mp4', make: clip(small) },
  { name: 'long.mp4', make: clip({ ...small, width: 160, height: 120, seconds: 2 }) },
  { name: 'vp9.webm', make: clip({ ...small, codec: 'vp9' }) },
  { name: 'vp8.webm', make: clip({ ...small, codec: 'vp8' }) },
  { name: 'hevc.mp4', make: clip({ ...small, codec: 'hevc' }) },
  { name: 'mpeg4.mkv', make: clip({ ...small, codec: 'mpeg4', container: 'mkv' }) },
  { name: 'ten-frames.mp4', make: clip({ ...small, seconds: 10 / 30 }) },
  { name: 'six-seconds.mp4', make: clip({ width: 64, height: 48, fps: 10, seconds: 6, codec: 'h264' }) },
  { name: 'yuv420p10le.mp4', make: clip({ ...small, pixelFormat: 'yuv420p10le' }) },
  {
    name: 'yuv444p.mp4',
    make: gen({
      width: 96,
      height: 64,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'yuv444p',
      codecOptions: { preset: 'ultrafast' },
    }),
  },
  {
    name: 'gray.mp4',
    make: gen({
      width: 96,
      height: 64,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'gray',
      codecOptions: { preset: 'ultrafast' },
    }),
  },
  {
    name: 'odd.webm',
    make: gen({
      width: 321,
      height: 241,
      format: 'webm',
      encoder: 'libvpx-vp9',
      pixelFormat: 'yuv420p',
      codecOptions: { deadline: 'realtime', 'cpu-used': 8 },
    }),
  },
  {
    name: 'odd444.mp4',
    make: gen({
      width: 321,
      height: 241,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'yuv444p',
      codecOptions: { preset: 'ultrafast' },
    }),
  },
  {
    name: 'mpeg4.avi',
    make: gen({ width: 96, height: 64, format: 'avi', encoder: 'mpeg4', pixelFormat: 'yuv420p' }),
  },
  {
    name: 'head30.mp4',
    needs: ['long.mp4'],
    make: (c, name) => makeTruncatedFile(c.at('long.mp4'), c.at(name), 0.3),
  },
  {
    name: 'head1k.mp4',
    needs: ['long.mp4'],
    make: (c, name) => writeFileSync(c.at(name), readFileSync(c.at('long.mp4')).subarray(0, 1024)),
  },
  {
    name: 'tailcut.mp4',
    needs: ['long.mp4'],
    make: (c, name) => makeTruncatedFile(c.at('long.mp4'), c.at(name), 0.9),
  },
  {
    name: 'head60.webm',
    needs: ['vp9.webm'],
    make: (c, name) => makeTruncatedFile(c.at('vp9.webm'), c.at(name), 0.6),
  },
  {
    name: 'flipped.mp4',
    needs: ['long.mp4'],
    make: (c, name) => writeFileSync(c.at(name), flipBits(readFileSync(c.at('long.mp4')))),
  },
  {
    name: 'noisy.mp4',
    needs: ['long.mp4'],
    make: (c, name) => makeCorruptedClip(c.at('long.mp4'), c.at(name)),
  },
  { name: 'audio.wav', make: (c, name) => makeAudioOnlyFile(c.at(name)) },
  // Clips with sound, as phones write them (Debian's ffmpeg, a test-only tool).
  {
    name: 'sound-head30.mp4',
    make: async (c, name) => makeTruncatedFile((await c.phone()).get('android-h264-aac')!, c.at(name), 0.3),
  },
  {
    name: 'sound-faststart-head60.mp4',
    make: async (c, name) => makeTruncatedFile((await c.phone()).get('android-faststart')!, c.at(name), 0.6),
  },
  {
    name: 'sound-flipped.mp4',
    make: async (c, name) =>
      writeFileSync(c.at(name), flipBits(readFileSync((await c.phone()).get('android-faststart')!))),
  },
  {
    name: 'sound-head60.webm',
    make: async (c, name) => makeTruncatedFile((await c.phone()).get('chrome-vp8-opus')!, c.at(name), 0.6),
  },
  {
    name: 'sound-ten-frames.mp4',
    needs: ['ten-frames.mp4'],
    make: (c, name) =>
      c.ffmpeg('-i', c.at('ten-frames.mp4'), ...tone(2), '-c:v', 'copy', '-c:a', 'aac', c.at(name)),
  },
  {
    name: 'sound-six-seconds.mp4',
    needs: ['six-seconds.mp4'],
    make: (c, name) =>
      c.ffmpeg('-i', c.at('six-seconds.mp4'), ...tone(6), '-c:v', 'copy', '-c:a', 'aac', c.at(name)),
  },
  {
    name: 'sound-audio-first.mp4',
    make: async (c, name) => copyFileSync((await c.phone()).get('audio-first')!, c.at(name)),
  },
  { name: 'audio.m4a', make: (c, name) => c.ffmpeg(...tone(2), '-c:a', 'aac', c.at(name)) },
  {
    name: 'cover.mp3',
    make: (c, name) =>
      c.ffmpeg(
        ...tone(2),
        '-i',
        SMILING_PHOTO,
        '-map',
        '0:a',
        '-map',
        '1:v',
        '-c:a',
        'libmp3lame',
        '-c:v',
        'mjpeg',
        '-disposition:v',
        'attached_pic',
        c.at(name),
      ),
  },
  { name: 'photo.jpg', make: (c, name) => copyFileSync(SMILING_PHOTO, c.at(name)) },
  { name: 'still.png', make: (c, name) => writePng(c.at(name), 64, 48) },
  {
    name: 'photo-cut.jpg',
    make: (c, name) => {
      const photo = readFileSync(SMILING_PHOTO);
      writeFileSync(c.at(name), photo.subarray(0, Math.floor(photo.length * 0.6)));
    },
  },
  {
    name: 'still-cut.png',
    needs: ['still.png'],
    make: (c, name) => writeFileSync(c.at(name), readFileSync(c.at('still.png')).subarray(0, 60)),
  },
  { name: 'bomb.png', make: (c, name) => makeBombPng(c.at(name)) },
];

/** Makes `names` (and the files they are made from) in `into`. */
async function prepareFiles(into: string, names: readonly string[]): Promise<void> {
  const byName = new Map(CORPUS_FILES.map((f) => [f.name, f]));
  const wanted = new Set<string>();
  const want = (name: string): void => {
    const f = byName.get(name);
    if (!f) throw new Error(`unknown corpus file ${name}`);
    if (wanted.has(name)) return;
    for (const n of f.needs ?? []) want(n);
    wanted.add(name);
  };
  for (const n of names) want(n);
  let phone: Promise<Map<string, string>> | undefined;
  const ctx: MakeContext = {
    at: (name) => join(into, name),
    phone: () => {
      if (!phone) {
        requireSystemFfmpeg();
        phone = makePhoneCorpus();
      }
      return phone;
    },
    ffmpeg: (...args) => {
      requireSystemFfmpeg();
      execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    },
  };
  for (const f of CORPUS_FILES) if (wanted.has(f.name)) await f.make(ctx, f.name);
}

/** What {@link describeCorpus} hands to extra tests of one corpus file. */
export interface CorpusContext {
  /** The running server (set once beforeAll has run). */
  server: () => RunningServer;
  /** Sends one corpus request to the server. */
  deliver: (s: Sent) => Promise<RawReply>;
  /** Notes a request id the "every request is logged" check must find. */
  answered: (kind: string, id: string) => void;
}

/**
 * Defines the tests of one corpus table against its own real server: the table has
 * at least one kind and no kind twice; each case gets its status and code (or one of
 * its `alternatives`) in our error shape, never a 5xx, and the server stays up; then
 * `more` (extra tests using the same server); last, every request is found in the
 * request log under the id its response carried.
 */
export function describeCorpus(
  title: string,
  cases: readonly Case[],
  opts: { files?: readonly string[]; more?: (ctx: CorpusContext) => void } = {},
): void {
  describe(`hostile-input corpus: ${title} (real server)`, () => {
    let server: RunningServer;
    const answered: { kind: string; id: string }[] = [];

    async function deliver(s: Sent): Promise<RawReply> {
      if ('raw' in s) return rawHttp(server.url, s.raw);
      const headers: Record<string, string> = { ...(s.auth === false ? {} : authHeaders()), ...s.headers };
      for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
      return sendOnce(`${server.url}${s.path}`, {
        method: s.method ?? 'GET',
        headers,
        body: s.body,
        holdBodyMs: s.holdBodyMs,
      });
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'emothumb-corpus-'));
      server = await startServer(SERVER_ENV);
      await prepareFiles(dir, opts.files ?? []);
    });

    afterAll(async () => {
      await server?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('has at least one kind, each named once', () => {
      expect(cases.length).toBeGreaterThanOrEqual(1);
      expect(new Set(cases.map((c) => c.kind)).size).toBe(cases.length);
    });

    for (const c of cases) {
      it(`${c.kind} -> ${c.status}${c.code ? ` ${c.code}` : ''}`, async () => {
        const res = await deliver(c.send());
        const id = res.headers['x-request-id'];
        expect(id, 'x-request-id header').toMatch(/^[0-9a-f-]{36}$/);
        answered.push({ kind: c.kind, id: id! });
        expect(res.status).toBeLessThan(500);
        const allowed = [{ status: c.status, code: c.code }, ...(c.alternatives ?? [])];
        const body = JSON.parse(res.body) as { error?: unknown; code?: unknown };
        const got = { status: res.status, code: res.status >= 400 ? body.code : undefined };
        expect(allowed, `${res.status} ${res.body.slice(0, 300)}`).toContainEqual(got);
        if (res.status >= 400) {
          expect(Object.keys(body).sort()).toEqual(['code', 'error']);
          expect(typeof body.error).toBe('string');
        }
        const health = await fetch(`${server.url}/health`);
        expect(health.status).toBe(200);
      });
    }

    opts.more?.({ server: () => server, deliver, answered: (kind, id) => answered.push({ kind, id }) });

    it('logged every request under the id its response carried', async () => {
      const ids = await loggedRequestIds(server.url);
      const missing = answered.filter((a) => !ids.has(a.id));
      expect(missing).toEqual([]);
      expect(answered.length).toBeGreaterThanOrEqual(cases.length);
    });
  });
}
