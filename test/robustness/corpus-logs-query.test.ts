/**
 * The hostile-input corpus, the request-log query (`/logs`): SQL injection in the
 * filters and invalid limits, cursors, dates and filter types.
 * Shared machinery: `corpus-support.ts`.
 */
import { describeCorpus, type Case } from './corpus-support.js';

const CASES: Case[] = [
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

describeCorpus('request-log query filters', CASES);
