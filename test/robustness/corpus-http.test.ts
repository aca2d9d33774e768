/**
 * The hostile-input corpus, HTTP: unknown endpoints and paths, wrong methods, oversized,
 * missing, duplicate and non-ASCII headers, invalid HTTP on the socket, and missing or
 * wrong API keys. Shared machinery: `corpus-support.ts`.
 */
import { describeCorpus, type Case } from './corpus-support.js';
import { rawRequest } from './support.js';

const CASES: Case[] = [
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
  // Auth.
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
];

describeCorpus('routing, methods, headers, raw protocol and auth', CASES);
