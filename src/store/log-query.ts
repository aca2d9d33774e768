import { decodeCursor } from './cursor.js';
import type { LogFilter } from './types.js';

/** What differs between SQLite and PostgreSQL when binding a filter. */
export interface LogQueryDialect {
  /** Placeholder for the n-th parameter (1-based): `?` or `$n`. */
  placeholder(n: number): string;
  /** Timestamps: epoch ms integers in SQLite, ISO strings cast to timestamptz in PostgreSQL. */
  timestamp(ms: number): unknown;
  /** Booleans: 1/0 in SQLite, true/false in PostgreSQL. */
  boolean(value: boolean): unknown;
}

export const MAX_LOG_LIMIT = 1000;
export const DEFAULT_LOG_LIMIT = 100;

export const LOG_COLUMNS =
  'id, request_id, ts, request_method, endpoint, status_code, latency_ms, client_id, success, ' +
  'prediction, confidence, error_message, error_code, key_id, model';

/** Filter columns that each lead their own index (see the migrations). */
export const EQUALITY_COLUMNS = ['client_id', 'status_code', 'success', 'endpoint'] as const;
export type EqualityColumn = (typeof EQUALITY_COLUMNS)[number];

/** The equality filters a query uses, in EQUALITY_COLUMNS order. */
export function equalityColumns(filter: LogFilter): EqualityColumn[] {
  return EQUALITY_COLUMNS.filter((c) => filter[c] !== undefined);
}

/** WHERE terms for a filter. Throws InvalidCursorError for a bad cursor. */
function buildWhere(filter: LogFilter, dialect: LogQueryDialect): { where: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const wanted = (c: EqualityColumn) => filter[c] !== undefined;

  if (filter.start_date) terms.push(`ts >= ${bind(dialect.timestamp(filter.start_date.getTime()))}`);
  if (filter.end_date) terms.push(`ts <= ${bind(dialect.timestamp(filter.end_date.getTime()))}`);
  if (wanted('status_code')) terms.push(`status_code = ${bind(filter.status_code)}`);
  if (wanted('success')) terms.push(`success = ${bind(dialect.boolean(filter.success!))}`);
  if (wanted('client_id')) terms.push(`client_id = ${bind(filter.client_id)}`);
  if (wanted('endpoint')) terms.push(`endpoint = ${bind(filter.endpoint)}`);
  if (filter.made_by_client !== undefined) {
    // A residual test on the rows the client_id index already narrowed down (api_keys is small).
    terms.push(
      `key_id IN (SELECT id FROM api_keys WHERE role = 'client' AND client_id = ${bind(filter.made_by_client)})`,
    );
  }
  if (filter.cursor !== undefined) {
    const cursor = decodeCursor(filter.cursor);
    // Written as a plain range on ts plus a residual test, rather than a row-value
    // comparison, so both planners use the (…, ts, id) index for the range.
    const ts = bind(dialect.timestamp(cursor.tsMs));
    const tsAgain = bind(dialect.timestamp(cursor.tsMs));
    const id = bind(cursor.id);
    terms.push(`ts <= ${ts} AND (ts < ${tsAgain} OR id < ${id})`);
  }
  return { where: terms.length ? ` WHERE ${terms.join(' AND ')}` : '', params };
}

/**
 * Builds the page query. Every filter is an equality on a column that leads a
 * composite index continuing with (ts, id) and then the other filter columns,
 * or a range on ts: the database walks one index backwards, tests the other
 * filters inside the index, and stops after `limit + 1` rows (the extra row
 * tells us whether there is a next page). `indexHint` is a SQLite
 * `INDEXED BY` name. Throws InvalidCursorError for a bad cursor.
 */
export function buildLogQuery(
  filter: LogFilter,
  dialect: LogQueryDialect,
  options: { indexHint?: string } = {},
): { sql: string; params: unknown[]; limit: number } {
  const { where, params } = buildWhere(filter, dialect);
  const limit = clampLimit(filter.limit);
  const hint = options.indexHint ? ` INDEXED BY ${options.indexHint}` : '';
  const sql = `SELECT ${LOG_COLUMNS} FROM request_log${hint}${where} ORDER BY ts DESC, id DESC LIMIT ${limit + 1}`;
  return { sql, params, limit };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LOG_LIMIT;
  return Math.min(MAX_LOG_LIMIT, Math.max(1, Math.trunc(limit)));
}
