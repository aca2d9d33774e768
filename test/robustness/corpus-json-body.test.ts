/**
 * The hostile-input corpus, JSON bodies and fields: bodies that are not what a video
 * endpoint takes (empty, not JSON, not an object, nested 100k deep), fields of the
 * wrong type or out of range, and base64 that is not a clip (bad, oversized, noise).
 * Shared machinery: `corpus-support.ts`.
 */
import { describeCorpus, json, MAX_UPLOAD_MB, raw, seedJson, type Case } from './corpus-support.js';
import { noise } from './support.js';

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
    code: 'missing_video',
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
    code: 'missing_video',
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
    code: 'invalid_duration',
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
];

/** The prepared files these cases send. */
const FILES = ['small.mp4'];

describeCorpus('JSON bodies, base64 and fields', CASES, { files: FILES });
