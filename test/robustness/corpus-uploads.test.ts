/**
 * The hostile-input corpus, upload forms: raw bodies (oversized, empty, noise),
 * unsupported content types and broken or incomplete multipart forms.
 * Shared machinery: `corpus-support.ts`.
 */
import { describeCorpus, file, multipart, type Case } from './corpus-support.js';
import { noise } from './support.js';

const CASES: Case[] = [
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
];

/** The prepared files these cases send. */
const FILES = ['small.mp4'];

describeCorpus('raw and multipart uploads', CASES, { files: FILES });
