/**
 * The hostile-input corpus: every kind of broken, odd or malicious request we could
 * think of, sent to the real built server. Each must get its exact status and stable
 * error code in our JSON shape, never a 5xx; the server must stay up; and every
 * request must be in the request log under the id its response carried.
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
import {
  loggedRequestIds,
  noise,
  rawHttp,
  rawRequest,
  rssMb,
  sendOnce,
  workerPids,
  writeClip,
  writePng,
  type RawReply,
} from './support.js';

const MAX_UPLOAD_MB = 2;

/** What one corpus entry sends: a node:http request, or raw bytes over a socket. */
type Sent =
  | {
      path: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      auth?: boolean;
      holdBodyMs?: number;
    }
  | { raw: string | Buffer };

interface Case {
  kind: string;
  send: () => Sent;
  status: number;
  /** The error code (for errors). */
  code?: string;
  /** Statuses also accepted (e.g. a damaged clip may decode or not), each with its code. */
  alternatives?: { status: number; code?: string }[];
}

let dir: string;
const file = (name: string): Buffer => readFileSync(join(dir, name));
const b64 = (name: string): string => file(name).toString('base64');

const json = (path: string, body: unknown, headers: Record<string, string> = {}): Sent => ({
  path,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const seedJson = (path: string, name: string, extra: Record<string, unknown> = {}): Sent =>
  json(path, { encoding: 'base64', format: 'mp4', fps: 30, content: b64(name), ...extra });
const raw = (path: string, name: string, query = ''): Sent => ({
  path: `${path}${query}`,
  method: 'POST',
  headers: { 'content-type': 'application/octet-stream' },
  body: file(name),
});

function multipart(fields: { name: string; filename?: string; data: Buffer | string }[]): {
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

const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const CASES: Case[] = [
  // Bodies that are not what a video endpoint takes.
  { kind: 'empty JSON body', send: () => json('/thumbnail', ''), status: 400, code: 'bad_json' },
  {
    kind: 'non-JSON body',
    send: () => json('/thumbnail', '{"content": nope'),
    status: 400,
    code: 'bad_json',
  },
  { kind: 'non-JSON body on /predict', send: () => json('/predict', 'hello'), status: 400, code: 'bad_json' },
  {
    kind: 'JSON array body',
    send: () => json('/thumbnail', '[1,2,3]'),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'JSON string body',
    send: () => json('/thumbnail', '"a string"'),
    status: 400,
    code: 'invalid_request',
  },
  { kind: 'JSON number body', send: () => json('/predict', '42'), status: 400, code: 'invalid_request' },
  { kind: 'JSON null body', send: () => json('/thumbnail', 'null'), status: 400, code: 'invalid_request' },
  {
    kind: 'deeply nested arrays (10k)',
    send: () => json('/thumbnail', deepArray(10_000)),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'deeply nested content (10k)',
    send: () => json('/thumbnail', `{"content":${deepArray(10_000)}}`),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'deeply nested objects (100k)',
    send: () => json('/predict', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)),
    status: 400,
    code: 'invalid_request',
  },
  // Wrong field types and values.
  // The schema coerces a number to its digits ("12345"), which are not base64 of anything.
  {
    kind: 'content as a number',
    send: () => json('/thumbnail', { encoding: 'base64', content: 12345 }),
    status: 400,
    code: 'bad_base64',
  },
  {
    kind: 'content as an object',
    send: () => json('/thumbnail', { encoding: 'base64', content: { a: 1 } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'content missing',
    send: () => json('/predict', { encoding: 'base64', format: 'mp4' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'content empty',
    send: () => json('/thumbnail', { encoding: 'base64', content: '' }),
    status: 400,
    code: 'missing_video',
  },
  {
    kind: 'duration "abc"',
    send: () => seedJson('/thumbnail', 'small.mp4', { duration: 'abc' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'duration "abc" in the query of a raw upload',
    send: () => raw('/thumbnail', 'small.mp4', '?duration=abc'),
    status: 400,
    code: 'invalid_duration',
  },
  {
    kind: 'fps as an object',
    send: () => seedJson('/thumbnail', 'small.mp4', { fps: { a: 1 } }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'duration 0.05',
    send: () => seedJson('/thumbnail', 'small.mp4', { duration: 0.05 }),
    status: 400,
    code: 'invalid_duration',
  },
  {
    kind: 'duration 10.5',
    send: () => seedJson('/thumbnail', 'small.mp4', { duration: 10.5 }),
    status: 400,
    code: 'invalid_duration',
  },
  {
    kind: 'output_format bmp',
    send: () => seedJson('/thumbnail', 'small.mp4', { output_format: 'bmp' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'max_size -5',
    send: () => raw('/thumbnail', 'small.mp4', '?max_size=-5'),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'encoding hex',
    send: () => json('/thumbnail', { encoding: 'hex', content: 'abcd' }),
    status: 400,
    code: 'bad_encoding',
  },
  // base64 that is not a clip.
  {
    kind: 'bad base64',
    send: () => json('/thumbnail', { encoding: 'base64', content: '!!!not*base64$$' }),
    status: 400,
    code: 'bad_base64',
  },
  {
    kind: 'base64 of wrong length',
    send: () => json('/predict', { encoding: 'base64', content: 'QUJDRA=A' }),
    status: 400,
    code: 'bad_base64',
  },
  {
    kind: 'non-base64 data URL',
    send: () => json('/thumbnail', { content: 'data:video/mp4,rawbytes' }),
    status: 400,
    code: 'bad_base64',
  },
  {
    kind: 'huge base64 (over MAX_UPLOAD_MB)',
    // Held back: the 413 must come from the Content-Length alone, before any of the body is read.
    send: () => ({
      ...json('/thumbnail', { encoding: 'base64', content: noise(3 * 1024 * 1024).toString('base64') }),
      holdBodyMs: 1000,
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    kind: 'base64 just over MAX_UPLOAD_MB once decoded',
    send: () => ({
      ...json('/thumbnail', {
        encoding: 'base64',
        content: noise(MAX_UPLOAD_MB * 1024 * 1024 + 10).toString('base64'),
      }),
      holdBodyMs: 1000,
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    kind: 'base64 of random bytes',
    send: () => json('/thumbnail', { encoding: 'base64', content: noise(64 * 1024).toString('base64') }),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'base64 of random bytes on /predict',
    send: () => json('/predict', { encoding: 'base64', content: noise(4096, 7).toString('base64') }),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'base64 of text',
    send: () =>
      json('/thumbnail', {
        encoding: 'base64',
        content: Buffer.from('hello world, I am not a video. '.repeat(50)).toString('base64'),
      }),
    status: 422,
    code: 'not_a_video',
  },
  // Damaged real clips.
  {
    kind: 'truncated: head only (first 30 %)',
    send: () => seedJson('/thumbnail', 'head30.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'truncated: first 1 KB',
    send: () => raw('/thumbnail', 'head1k.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  // The test MP4s keep their index (moov) at the end: cutting the tail loses it.
  {
    kind: 'truncated: tail cut (last 10 % missing)',
    send: () => raw('/thumbnail', 'tailcut.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'truncated webm (head 60 %)',
    send: () => raw('/thumbnail', 'head60.webm'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'bit flips in the middle',
    send: () => raw('/thumbnail', 'flipped.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  {
    kind: '4 KB of noise over the middle',
    send: () => seedJson('/thumbnail', 'noisy.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  // The same damage to clips with a sound track (every phone video has one).
  {
    kind: 'with sound: truncated, moov at the end lost (head 30 %)',
    send: () => raw('/thumbnail', 'sound-head30.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'with sound: faststart MP4 cut at 60 %',
    send: () => raw('/thumbnail', 'sound-faststart-head60.mp4'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'with sound: bit flips in the middle',
    send: () => raw('/thumbnail', 'sound-flipped.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  {
    kind: 'with sound: MediaRecorder WebM cut at 60 %',
    send: () => raw('/thumbnail', 'sound-head60.webm'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'with sound: too few frames (10) and a longer sound track',
    send: () => raw('/thumbnail', 'sound-ten-frames.mp4'),
    status: 422,
    code: 'too_few_frames',
  },
  {
    kind: 'with sound: longer than MAX_VIDEO_SECONDS',
    send: () => seedJson('/predict', 'sound-six-seconds.mp4'),
    status: 422,
    code: 'video_too_long',
  },
  {
    kind: 'with sound: audio stream first, video second',
    send: () => raw('/thumbnail', 'sound-audio-first.mp4'),
    status: 200,
  },
  {
    kind: 'audio-only M4A (AAC)',
    send: () => raw('/predict', 'audio.m4a'),
    status: 422,
    code: 'no_video_stream',
  },
  {
    kind: 'MP3 with cover art (an attached picture is not a video)',
    send: () => raw('/thumbnail', 'cover.mp3'),
    status: 422,
    code: 'no_video_stream',
  },
  // Media that is not a (long enough, small enough) video.
  {
    kind: 'audio-only WAV',
    send: () => raw('/thumbnail', 'audio.wav'),
    status: 422,
    code: 'no_video_stream',
  },
  {
    kind: 'audio-only WAV on /predict',
    send: () => seedJson('/predict', 'audio.wav'),
    status: 422,
    code: 'no_video_stream',
  },
  { kind: 'still JPEG', send: () => raw('/thumbnail', 'photo.jpg'), status: 422, code: 'too_few_frames' },
  {
    kind: 'still PNG on /predict',
    send: () => seedJson('/predict', 'still.png'),
    status: 422,
    code: 'too_few_frames',
  },
  {
    kind: 'too few frames (10)',
    send: () => raw('/thumbnail', 'ten-frames.mp4'),
    status: 422,
    code: 'too_few_frames',
  },
  {
    kind: 'PNG bomb header 30000x30000',
    send: () => raw('/thumbnail', 'bomb.png'),
    status: 422,
    code: 'too_many_pixels',
  },
  {
    kind: 'PNG bomb on /predict',
    send: () => seedJson('/predict', 'bomb.png'),
    status: 422,
    code: 'too_many_pixels',
  },
  {
    kind: 'clip longer than MAX_VIDEO_SECONDS (6 s > 5 s)',
    send: () => raw('/thumbnail', 'six-seconds.mp4'),
    status: 422,
    code: 'video_too_long',
  },
  // Odd but valid clips: all decode.
  { kind: 'odd size 321x241 (VP9)', send: () => raw('/thumbnail', 'odd.webm'), status: 200 },
  { kind: 'odd size 321x241 (H.264 4:4:4)', send: () => raw('/thumbnail', 'odd444.mp4'), status: 200 },
  { kind: 'yuv444p H.264', send: () => raw('/thumbnail', 'yuv444p.mp4'), status: 200 },
  { kind: 'yuv420p10le H.264', send: () => raw('/thumbnail', 'yuv420p10le.mp4'), status: 200 },
  { kind: 'gray H.264', send: () => raw('/thumbnail', 'gray.mp4'), status: 200 },
  { kind: 'HEVC MP4', send: () => seedJson('/thumbnail', 'hevc.mp4'), status: 200 },
  { kind: 'VP9 WebM', send: () => raw('/thumbnail', 'vp9.webm'), status: 200 },
  { kind: 'VP8 WebM', send: () => raw('/thumbnail', 'vp8.webm', '?output_format=gif'), status: 200 },
  { kind: 'MPEG-4 part 2 AVI', send: () => raw('/thumbnail', 'mpeg4.avi'), status: 200 },
  {
    kind: 'MPEG-4 part 2 MKV',
    send: () => raw('/thumbnail', 'mpeg4.mkv', '?output_format=webp'),
    status: 200,
  },
  {
    kind: 'wrong format hint (WebM bytes, format mp4)',
    send: () => seedJson('/thumbnail', 'vp9.webm', { format: 'mp4' }),
    status: 200,
  },
  {
    kind: 'video/* raw upload with a data URL-less body',
    send: () => ({ ...raw('/thumbnail', 'small.mp4'), headers: { 'content-type': 'video/quicktime' } }),
    status: 200,
  },
  // Routing.
  { kind: 'unknown endpoint GET /nope', send: () => ({ path: '/nope' }), status: 404, code: 'not_found' },
  {
    kind: 'unknown endpoint without a key',
    send: () => ({ path: '/admin/config', auth: false }),
    status: 404,
    code: 'not_found',
  },
  { kind: 'path traversal', send: () => ({ path: '/../../etc/passwd' }), status: 404, code: 'not_found' },
  { kind: '10 KB URL', send: () => ({ path: `/x${'a'.repeat(10_000)}` }), status: 404, code: 'not_found' },
  {
    kind: 'wrong method GET /thumbnail',
    send: () => ({ path: '/thumbnail' }),
    status: 405,
    code: 'method_not_allowed',
  },
  {
    kind: 'wrong method DELETE /logs',
    send: () => ({ path: '/logs', method: 'DELETE' }),
    status: 405,
    code: 'method_not_allowed',
  },
  {
    kind: 'wrong method PUT /predict',
    send: () => ({
      path: '/predict',
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
    status: 405,
    code: 'method_not_allowed',
  },
  // Upload forms.
  {
    kind: 'oversized raw body',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: noise(3 * 1024 * 1024),
      holdBodyMs: 1000,
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    kind: 'oversized raw body, sent at once',
    send: () => ({
      path: '/predict',
      method: 'POST',
      headers: { 'content-type': 'video/mp4' },
      body: noise(3 * 1024 * 1024, 5),
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    kind: 'empty raw body',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      headers: { 'content-type': 'video/mp4' },
      body: Buffer.alloc(0),
    }),
    status: 400,
    code: 'missing_video',
  },
  {
    kind: 'raw random bytes',
    send: () => ({
      path: '/predict',
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: noise(10_000, 99),
    }),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'unsupported content type text/plain',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    kind: 'unsupported content type application/xml',
    send: () => ({
      path: '/predict',
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<video/>',
    }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    kind: 'multipart without a video field',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      ...multipart([{ name: 'clip', filename: 'a.mp4', data: file('small.mp4') }]),
    }),
    status: 400,
    code: 'missing_video',
  },
  {
    kind: 'multipart with only text fields',
    send: () => ({ path: '/thumbnail', method: 'POST', ...multipart([{ name: 'duration', data: '2' }]) }),
    status: 400,
    code: 'missing_video',
  },
  {
    kind: 'multipart with an empty file',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      ...multipart([{ name: 'video', filename: 'a.mp4', data: Buffer.alloc(0) }]),
    }),
    status: 400,
    code: 'missing_video',
  },
  {
    kind: 'multipart with an oversized file',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      ...multipart([{ name: 'video', filename: 'a.mp4', data: noise(3 * 1024 * 1024) }]),
      holdBodyMs: 1000,
    }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    kind: 'multipart with a broken boundary',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'garbage without boundaries',
    }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'multipart without a boundary',
    send: () => ({
      path: '/predict',
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'multipart cut off inside the video part',
    send: () => {
      const m = multipart([{ name: 'video', filename: 'a.mp4', data: file('small.mp4') }]);
      return {
        path: '/thumbnail',
        method: 'POST',
        headers: m.headers,
        body: m.body.subarray(0, m.body.length - 300),
      };
    },
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'multipart with a valid clip (control)',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      ...multipart([{ name: 'video', filename: 'a.mp4', data: file('small.mp4') }]),
    }),
    status: 200,
  },
  // Headers.
  {
    kind: 'a 20 KB header',
    send: () => ({ path: '/health', headers: { 'x-padding': 'p'.repeat(20 * 1024) } }),
    status: 431,
    code: 'headers_too_large',
  },
  {
    kind: 'invalid HTTP on the socket',
    send: () => ({ raw: 'HELLO WORLD\r\n\r\n' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    kind: 'missing date header',
    send: () => ({ path: '/logs?limit=1', headers: { date: '' } }),
    status: 400,
    code: 'missing_date',
  },
  {
    kind: 'garbage date header',
    send: () => ({ path: '/logs?limit=1', headers: { date: 'yesterday-ish' } }),
    status: 400,
    code: 'bad_date',
  },
  {
    kind: 'date far in the past',
    send: () => ({ path: '/logs?limit=1', headers: { date: '2001-01-01T00:00:00Z' } }),
    status: 400,
    code: 'clock_skew',
  },
  {
    kind: 'duplicate date headers',
    send: () => ({
      raw: rawRequest('GET', '/logs?limit=1', [
        `Date: ${new Date().toISOString()}`,
        `Date: ${new Date().toUTCString()}`,
      ]),
    }),
    status: 400,
    code: 'bad_date',
  },
  {
    kind: 'duplicate x-date headers',
    send: () => ({
      raw: rawRequest('GET', '/logs?limit=1', [`X-Date: ${new Date().toISOString()}`, 'X-Date: garbage']),
    }),
    status: 400,
    code: 'bad_date',
  },
  {
    kind: 'non-ASCII x-client-id',
    send: () => ({
      raw: Buffer.from(
        rawRequest('GET', '/logs?limit=1', [
          `Date: ${new Date().toUTCString()}`,
          'x-client-id: clïent-😀-名前',
        ]),
        'utf8',
      ),
    }),
    status: 200,
  },
  {
    kind: 'no API key',
    send: () => ({
      path: '/thumbnail',
      method: 'POST',
      auth: false,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
    status: 401,
    code: 'unauthorized',
  },
  {
    kind: 'wrong API key',
    send: () => ({ path: '/logs', headers: { 'x-api-key': 'nope' } }),
    status: 401,
    code: 'unauthorized',
  },
  // /logs filters.
  {
    kind: 'SQL injection in client_id',
    send: () => ({
      path: `/logs?client_id=${encodeURIComponent("x' OR '1'='1'; DROP TABLE request_logs; --")}`,
    }),
    status: 200,
  },
  {
    kind: 'SQL injection in a JSON body filter',
    send: () => ({
      path: '/logs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: '1) UNION SELECT * FROM api_keys --' }),
    }),
    status: 200,
  },
  { kind: 'limit=-1', send: () => ({ path: '/logs?limit=-1' }), status: 400, code: 'invalid_filter' },
  { kind: 'limit=99999', send: () => ({ path: '/logs?limit=99999' }), status: 400, code: 'invalid_filter' },
  { kind: 'limit=abc', send: () => ({ path: '/logs?limit=abc' }), status: 400, code: 'invalid_filter' },
  {
    kind: 'bad cursor',
    send: () => ({ path: '/logs?cursor=%00%ff-not-a-cursor' }),
    status: 400,
    code: 'invalid_filter',
  },
  {
    kind: 'bad start_date',
    send: () => ({ path: '/logs?start_date=31/02/2020' }),
    status: 400,
    code: 'invalid_filter',
  },
  {
    kind: 'status_code as an object in the body',
    send: () => ({
      path: '/logs',
      headers: { 'content-type': 'application/json' },
      body: '{"status_code": {"$gt": 0}}',
    }),
    status: 400,
    code: 'invalid_filter',
  },
  {
    kind: 'logs body not JSON',
    send: () => ({ path: '/logs', headers: { 'content-type': 'application/json' }, body: '{' }),
    status: 400,
    code: 'bad_json',
  },
];

describe('hostile-input corpus (real server)', () => {
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
    const clip = (name: string, o: Parameters<typeof makeTestClip>[1]) => makeTestClip(join(dir, name), o);
    const small = { width: 128, height: 96, fps: 30, seconds: 1, codec: 'h264' } as const;
    const gen = (name: string, o: Omit<Parameters<typeof writeClip>[1], 'frames'> & { frames?: number }) =>
      writeClip(join(dir, name), { frames: 20, ...o });
    server = await startServer({
      EMOTHUMB_MODEL: 'none',
      WORKERS: '1',
      MAX_UPLOAD_MB: String(MAX_UPLOAD_MB),
      MAX_VIDEO_SECONDS: '5',
    });
    await clip('small.mp4', small);
    await clip('long.mp4', { ...small, width: 160, height: 120, seconds: 2 });
    await clip('vp9.webm', { ...small, codec: 'vp9' });
    await clip('vp8.webm', { ...small, codec: 'vp8' });
    await clip('hevc.mp4', { ...small, codec: 'hevc' });
    await clip('mpeg4.mkv', { ...small, codec: 'mpeg4', container: 'mkv' });
    await clip('ten-frames.mp4', { ...small, seconds: 10 / 30 });
    await clip('six-seconds.mp4', { width: 64, height: 48, fps: 10, seconds: 6, codec: 'h264' });
    await clip('yuv420p10le.mp4', { ...small, pixelFormat: 'yuv420p10le' });
    await gen('yuv444p.mp4', {
      width: 96,
      height: 64,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'yuv444p',
      codecOptions: { preset: 'ultrafast' },
    });
    await gen('gray.mp4', {
      width: 96,
      height: 64,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'gray',
      codecOptions: { preset: 'ultrafast' },
    });
    await gen('odd.webm', {
      width: 321,
      height: 241,
      format: 'webm',
      encoder: 'libvpx-vp9',
      pixelFormat: 'yuv420p',
      codecOptions: { deadline: 'realtime', 'cpu-used': 8 },
    });
    await gen('odd444.mp4', {
      width: 321,
      height: 241,
      format: 'mp4',
      encoder: 'libx264',
      pixelFormat: 'yuv444p',
      codecOptions: { preset: 'ultrafast' },
    });
    await gen('mpeg4.avi', {
      width: 96,
      height: 64,
      format: 'avi',
      encoder: 'mpeg4',
      pixelFormat: 'yuv420p',
    });
    makeTruncatedFile(join(dir, 'long.mp4'), join(dir, 'head30.mp4'), 0.3);
    writeFileSync(join(dir, 'head1k.mp4'), file('long.mp4').subarray(0, 1024));
    makeTruncatedFile(join(dir, 'long.mp4'), join(dir, 'tailcut.mp4'), 0.9);
    makeTruncatedFile(join(dir, 'vp9.webm'), join(dir, 'head60.webm'), 0.6);
    const flipped = Buffer.from(file('long.mp4'));
    for (let i = 0; i < 64; i++) flipped[Math.floor(flipped.length * 0.4) + i * 37]! ^= 1 << (i % 8);
    writeFileSync(join(dir, 'flipped.mp4'), flipped);
    makeCorruptedClip(join(dir, 'long.mp4'), join(dir, 'noisy.mp4'));
    makeAudioOnlyFile(join(dir, 'audio.wav'));
    // Clips with sound, as phones write them (Debian's ffmpeg, a test-only tool).
    requireSystemFfmpeg();
    const phone = await makePhoneCorpus();
    const ffmpeg = (...args: string[]): void => {
      execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const tone = (seconds: number): string[] => [
      '-f',
      'lavfi',
      '-t',
      String(seconds),
      '-i',
      'sine=frequency=440',
    ];
    makeTruncatedFile(phone.get('android-h264-aac')!, join(dir, 'sound-head30.mp4'), 0.3);
    makeTruncatedFile(phone.get('android-faststart')!, join(dir, 'sound-faststart-head60.mp4'), 0.6);
    const soundFlipped = readFileSync(phone.get('android-faststart')!);
    for (let i = 0; i < 64; i++)
      soundFlipped[Math.floor(soundFlipped.length * 0.4) + i * 37]! ^= 1 << (i % 8);
    writeFileSync(join(dir, 'sound-flipped.mp4'), soundFlipped);
    makeTruncatedFile(phone.get('chrome-vp8-opus')!, join(dir, 'sound-head60.webm'), 0.6);
    ffmpeg(
      '-i',
      join(dir, 'ten-frames.mp4'),
      ...tone(2),
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      join(dir, 'sound-ten-frames.mp4'),
    );
    ffmpeg(
      '-i',
      join(dir, 'six-seconds.mp4'),
      ...tone(6),
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      join(dir, 'sound-six-seconds.mp4'),
    );
    copyFileSync(phone.get('audio-first')!, join(dir, 'sound-audio-first.mp4'));
    ffmpeg(...tone(2), '-c:a', 'aac', join(dir, 'audio.m4a'));
    ffmpeg(
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
      join(dir, 'cover.mp3'),
    );
    copyFileSync(SMILING_PHOTO, join(dir, 'photo.jpg'));
    writePng(join(dir, 'still.png'), 64, 48);
    makeBombPng(join(dir, 'bomb.png'));
  });

  afterAll(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 40 kinds', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.kind)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
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

  it('refuses the decompression bomb from its header: server and worker memory do not jump', async () => {
    const pids = () => [server.proc.pid!, ...workerPids(server.proc.pid!)];
    const total = () => pids().reduce((s, p) => s + rssMb(p), 0);
    const before = total();
    const peak = { value: before };
    const timer = setInterval(() => (peak.value = Math.max(peak.value, total())), 5);
    const res = await deliver(raw('/thumbnail', 'bomb.png'));
    clearInterval(timer);
    answered.push({ kind: 'bomb memory', id: res.headers['x-request-id']! });
    expect(res.status).toBe(422);
    // 30000x30000 RGB would be 2.7 GB; anything near a frame's worth would show.
    if (process.env.ROBUSTNESS_VERBOSE) console.log({ bombRssBefore: before, bombRssPeak: peak.value });
    expect(peak.value - before).toBeLessThan(50);
  });

  it('logged every request under the id its response carried', async () => {
    const ids = await loggedRequestIds(server.url);
    const missing = answered.filter((a) => !ids.has(a.id));
    expect(missing).toEqual([]);
    expect(answered.length).toBeGreaterThanOrEqual(CASES.length);
  });
});
