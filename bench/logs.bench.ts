/**
 * GET /logs storage cost over 1,000,000 log rows (SPEC 5: median < 50 ms).
 *
 * Fills a fresh SQLite store (and a throwaway PostgreSQL 15 cluster when its
 * binaries exist) with a realistic mix: a few heavy clients and a long tail,
 * unauthenticated 401s with no client, mostly /predict and /thumbnail, ~85%
 * 200s, timestamps spread over 90 days in roughly insertion order. Then times
 * each filter shape of the seed plus ours, rotating the filter values between
 * runs so no single answer stays hot, against an unfiltered newest-100 query
 * in the same run. Times the repository call (SQL + row mapping), not HTTP.
 *
 * Environment: LOG_ROWS (default 1000000), PG_LOG_ROWS (default LOG_ROWS),
 * RUNS (default 30), SKIP_PG=1.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/index.js';
import type { LogFilter, RequestLogEntry, Store } from '../src/store/types.js';
import { pgUnavailableReason, startPgCluster } from '../test/store/pg-cluster.js';
import { seededRandom } from '../test/helpers/random.js';

const ROWS = Number(process.env.LOG_ROWS ?? 1_000_000);
const PG_ROWS = Number(process.env.PG_LOG_ROWS ?? ROWS);
const RUNS = Math.max(20, Number(process.env.RUNS ?? 30));
const DAY = 86_400_000;
const END = Date.parse('2026-11-01T00:00:00Z');
const SPAN = 90 * DAY;
const START = END - SPAN;

function pick<T>(r: number, table: [T, number][]): T {
  let acc = 0;
  for (const [value, weight] of table) {
    acc += weight;
    if (r < acc) return value;
  }
  return table[table.length - 1][0];
}

const CLIENTS: [string, number][] = [
  ['journal-ios', 0.35],
  ['journal-android', 0.25],
  ['journal-web', 0.15],
  ['partner-a', 0.08],
  ['partner-b', 0.05],
  ...Array.from({ length: 20 }, (_, i) => [`tail-${i}`, 0.005] as [string, number]),
  // the remaining ~2% are unauthenticated requests: no client id
];
const ENDPOINTS: [string, number][] = [
  ['/predict', 0.45],
  ['/thumbnail', 0.3],
  ['/analyze', 0.12],
  ['/logs', 0.08],
  ['/health', 0.04],
  ['/wp-login.php', 0.01],
];
const STATUSES: [number, number][] = [
  [200, 0.85],
  [400, 0.04],
  [401, 0.04],
  [422, 0.04],
  [413, 0.01],
  [429, 0.01],
  [503, 0.005],
  [500, 0.005],
];

type Row = Omit<RequestLogEntry, 'timestamp'> & { ts: number };

function* generateRows(n: number): Generator<Row> {
  // Deterministic, so SQLite and PostgreSQL hold the same rows.
  const rand = seededRandom(42);
  const emotions = ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'];
  for (let i = 0; i < n; i++) {
    let status = pick(rand(), STATUSES);
    const endpoint = pick(rand(), ENDPOINTS);
    let client: string | null = rand() < 0.98 ? pick(rand() / 0.98, CLIENTS) : null;
    if (client === null) status = 401;
    if (endpoint === '/wp-login.php') {
      status = 404;
      client = null;
    }
    const ok = status < 400;
    const predicts = ok && (endpoint === '/predict' || endpoint === '/analyze');
    yield {
      request_id: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      // Roughly in insertion order, with up to 2 s of jitter from concurrent requests.
      ts: Math.round(START + (i / n) * SPAN + rand() * 2000),
      request_method: endpoint === '/logs' || endpoint === '/health' ? 'GET' : 'POST',
      endpoint,
      status_code: status,
      latency_ms: Math.round((ok ? 150 + rand() * 900 : 2 + rand() * 20) * 100) / 100,
      client_id: client,
      success: ok,
      prediction: predicts ? emotions[Math.floor(rand() * 5)] : null,
      confidence: predicts ? Math.round(rand() * 10_000) / 10_000 : null,
      error_message: ok ? null : `request failed with ${status}`,
      error_code: ok ? null : 'invalid_request',
      key_id: client ? `key_${(client.length * 7919).toString(16).padStart(16, '0')}` : null,
      model: predicts ? 'human-3.3.6' : null,
    };
  }
}

function fillSqlite(dataDir: string, n: number): void {
  const db = new Database(join(dataDir, 'emothumb.db'));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO request_log (request_id, ts, request_method, endpoint, status_code, latency_ms, client_id,
       success, prediction, confidence, error_message, error_code, key_id, model)
     VALUES (@request_id, @ts, @request_method, @endpoint, @status_code, @latency_ms, @client_id,
       @success, @prediction, @confidence, @error_message, @error_code, @key_id, @model)`,
  );
  // One transaction per 100k rows with one prepared statement: the bulk path.
  const batch = db.transaction((rows: Row[]) => {
    for (const r of rows) insert.run({ ...r, success: r.success ? 1 : 0 });
  });
  let rows: Row[] = [];
  for (const r of generateRows(n)) {
    rows.push(r);
    if (rows.length === 100_000) {
      batch(rows);
      rows = [];
    }
  }
  if (rows.length) batch(rows);
  db.close();
}

async function fillPostgres(url: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns: (keyof Row)[] = [
      'request_id',
      'ts',
      'request_method',
      'endpoint',
      'status_code',
      'latency_ms',
      'client_id',
      'success',
      'prediction',
      'confidence',
      'error_message',
      'error_code',
      'key_id',
      'model',
    ];
    const types = [
      'text',
      'float8',
      'text',
      'text',
      'int',
      'float8',
      'text',
      'bool',
      'text',
      'float8',
      'text',
      'text',
      'text',
      'text',
    ];
    const select = columns
      .map((c, i) => (c === 'ts' ? `to_timestamp(u.c${i} / 1000.0)` : `u.c${i}`))
      .join(', ');
    const sql =
      `INSERT INTO request_log (${columns.join(', ')}) SELECT ${select} FROM unnest(` +
      types.map((t, i) => `$${i + 1}::${t}[]`).join(', ') +
      `) AS u(${columns.map((_, i) => `c${i}`).join(', ')})`;
    let batch: Row[] = [];
    const flush = async () => {
      await client.query(
        sql,
        columns.map((c) => batch.map((r) => r[c])),
      );
      batch = [];
    };
    for (const r of generateRows(n)) {
      batch.push(r);
      if (batch.length === 20_000) await flush();
    }
    if (batch.length) await flush();
    // What autovacuum would do shortly after a bulk load; done here so the
    // planner sees real statistics at once.
    await client.query('VACUUM ANALYZE request_log');
  } finally {
    await client.end();
  }
}

interface Case {
  name: string;
  filter: (run: number) => LogFilter;
}

const at = (daysBeforeEnd: number) => new Date(END - daysBeforeEnd * DAY);
const bigClients = ['journal-ios', 'journal-android', 'journal-web', 'partner-a'];

const CASES: Case[] = [
  { name: 'baseline: newest 100, no filter', filter: () => ({ limit: 100 }) },
  { name: 'start_date (last 7 days)', filter: (r) => ({ start_date: at(7 + (r % 5)), limit: 100 }) },
  { name: 'end_date (30-60 days ago)', filter: (r) => ({ end_date: at(30 + r), limit: 100 }) },
  {
    name: 'start_date + end_date (one day)',
    filter: (r) => ({ start_date: at(40 + r), end_date: at(39 + r), limit: 100 }),
  },
  { name: 'status_code 200', filter: () => ({ status_code: 200, limit: 100 }) },
  { name: 'status_code 500 (0.5%)', filter: (r) => ({ status_code: [500, 503][r % 2], limit: 100 }) },
  { name: 'success true', filter: () => ({ success: true, limit: 100 }) },
  { name: 'success false', filter: () => ({ success: false, limit: 100 }) },
  { name: 'client_id (big client)', filter: (r) => ({ client_id: bigClients[r % 4], limit: 100 }) },
  { name: 'client_id (tail client, 0.5%)', filter: (r) => ({ client_id: `tail-${r % 20}`, limit: 100 }) },
  { name: 'endpoint /analyze', filter: () => ({ endpoint: '/analyze', limit: 100 }) },
  {
    name: 'client + date range + status 200',
    filter: (r) => ({
      client_id: bigClients[r % 4],
      start_date: at(50 + r),
      end_date: at(20 + r),
      status_code: 200,
      limit: 100,
    }),
  },
  {
    name: 'tail client + success false + endpoint',
    filter: (r) => ({ client_id: `tail-${r % 20}`, success: false, endpoint: '/thumbnail', limit: 100 }),
  },
  {
    name: 'status 500 + endpoint /analyze + date range',
    filter: (r) => ({
      status_code: 500,
      endpoint: '/analyze',
      start_date: at(60 + r),
      end_date: at(r),
      limit: 100,
    }),
  },
  {
    name: 'big client + status 500 + /logs',
    filter: (r) => ({ client_id: bigClients[r % 4], status_code: 500, endpoint: '/logs', limit: 100 }),
  },
  {
    name: 'matches nothing: big client + status 200 + /wp-login.php',
    filter: (r) => ({
      client_id: bigClients[r % 4],
      status_code: 200,
      endpoint: '/wp-login.php',
      limit: 100,
    }),
  },
  {
    name: 'rare: tail client + status 413 + /logs',
    filter: (r) => ({ client_id: `tail-${r % 20}`, status_code: 413, endpoint: '/logs', limit: 100 }),
  },
  { name: 'limit 1000, no filter', filter: () => ({ limit: 1000 }) },
];

/** Page 2 needs page 1's cursor, fetched outside the timed call. */
const PAGED: Case[] = [
  { name: 'page 2 (cursor), no filter', filter: () => ({ limit: 100 }) },
  {
    name: 'page 2 (cursor), big client + success true',
    filter: (r) => ({ client_id: bigClients[r % 4], success: true, limit: 100 }),
  },
  {
    name: 'page 2 (cursor), start_date + end_date',
    filter: (r) => ({ start_date: at(40 + r), end_date: at(39 + r), limit: 100 }),
  },
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function measure(store: Store): Promise<{ name: string; median: number; p95: number; rows: number }[]> {
  const results: { name: string; median: number; p95: number; rows: number }[] = [];
  for (const c of [...CASES, ...PAGED]) {
    const paged = PAGED.includes(c);
    await store.logs.query(c.filter(0)); // warm-up: statement preparation
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      let filter = c.filter(run);
      if (paged) {
        const first = await store.logs.query(filter);
        filter = { ...filter, cursor: first.next_cursor ?? undefined };
      }
      const t0 = performance.now();
      const page = await store.logs.query(filter);
      times.push(performance.now() - t0);
      rows += page.logs.length;
    }
    const sorted = [...times].sort((a, b) => a - b);
    results.push({
      name: c.name,
      median: median(times),
      p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))],
      rows: Math.round(rows / RUNS),
    });
  }
  return results;
}

/** Median latency of one durable single-row insert, as a request pays it. */
async function measureInserts(store: Store, n = 2000): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  let i = 0;
  for (const r of generateRows(n)) {
    const { ts, ...rest } = r;
    const t0 = performance.now();
    await store.logs.insert({
      ...rest,
      request_id: `insert-bench-${i++}`,
      timestamp: new Date(ts).toISOString(),
    });
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: median(times), p95: sorted[Math.floor(sorted.length * 0.95)] };
}

function printInserts(r: { median: number; p95: number }): void {
  console.log(
    `\nOne durable insert (request-log write per request), 2000 sequential: median ${r.median.toFixed(3)} ms, p95 ${r.p95.toFixed(3)} ms.`,
  );
}

function printTable(
  title: string,
  results: { name: string; median: number; p95: number; rows: number }[],
): boolean {
  const baseline = results[0].median;
  console.log(`\n### ${title}\n`);
  console.log('| query | median ms | p95 ms | ratio to baseline | rows/page | < 50 ms |');
  console.log('|---|---:|---:|---:|---:|:---:|');
  let ok = true;
  for (const r of results) {
    const pass = r.median < 50;
    ok &&= pass;
    console.log(
      `| ${r.name} | ${r.median.toFixed(2)} | ${r.p95.toFixed(2)} | ${(r.median / baseline).toFixed(2)}x | ${r.rows} | ${pass ? 'yes' : '**no**'} |`,
    );
  }
  return ok;
}

async function main(): Promise<void> {
  let ok = true;
  // LOG_BENCH_DIR keeps the filled SQLite database between runs (for iterating on indexes).
  const keepDir = process.env.LOG_BENCH_DIR;
  const dataDir = keepDir ?? mkdtempSync(join(tmpdir(), 'emothumb-logs-bench-'));
  try {
    const reuse = keepDir !== undefined && existsSync(join(keepDir, 'emothumb.db'));
    let fillNote = 'reused';
    if (!reuse) {
      await (await openStore({ dataDir })).close(); // creates the schema
      const t0 = performance.now();
      fillSqlite(dataDir, ROWS);
      fillNote = `bulk fill ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    }
    const t0 = performance.now();
    const store = await openStore({ dataDir });
    const openMs = performance.now() - t0;
    try {
      ok &&= printTable(
        `SQLite, ${ROWS.toLocaleString('en')} rows (${fillNote}, first open ${openMs.toFixed(0)} ms), ${RUNS} runs each`,
        await measure(store),
      );
      printInserts(await measureInserts(store));
    } finally {
      await store.close();
    }
  } finally {
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
  }

  const skip = process.env.SKIP_PG ? 'SKIP_PG is set' : pgUnavailableReason();
  if (skip) {
    console.log(`\nPostgreSQL: skipped (${skip}).`);
  } else {
    // fsync on, so the insert latency below is what a real server pays.
    const cluster = await startPgCluster({ fsync: true });
    try {
      const url = await cluster.createDatabase('logs_bench');
      await (await openStore({ dataDir: tmpdir(), databaseUrl: url })).close();
      const t0 = performance.now();
      await fillPostgres(url, PG_ROWS);
      const fillSeconds = (performance.now() - t0) / 1000;
      const store = await openStore({ dataDir: tmpdir(), databaseUrl: url });
      try {
        ok &&= printTable(
          `PostgreSQL 15 (throwaway local cluster, default durability settings), ${PG_ROWS.toLocaleString('en')} rows (fill + VACUUM ANALYZE ${fillSeconds.toFixed(1)} s), ${RUNS} runs each`,
          await measure(store),
        );
        printInserts(await measureInserts(store));
      } finally {
        await store.close();
      }
    } finally {
      await cluster.stop();
    }
  }
  console.log(ok ? '\nAll medians under 50 ms.' : '\nSome medians are over 50 ms.');
  if (!ok) process.exitCode = 1;
}

await main();
