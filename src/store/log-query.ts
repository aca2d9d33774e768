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

/**
 * Builds the page query. Every filter is an equality on a column that leads a
 * composite index ending in (ts, id), or a range on ts, so the database walks
 * one index backwards and stops after `limit + 1` rows (the extra row tells us
 * whether there is a next page). Throws InvalidCursorError for a bad cursor.
 */
export function buildLogQuery(
  filter: LogFilter,
  dialect: LogQueryDialect,
): { sql: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };

  if (filter.start_date) where.push(`ts >= ${bind(dialect.timestamp(filter.start_date.getTime()))}`);
  if (filter.end_date) where.push(`ts <= ${bind(dialect.timestamp(filter.end_date.getTime()))}`);
  if (filter.status_code !== undefined) where.push(`status_code = ${bind(filter.status_code)}`);
  if (filter.success !== undefined) where.push(`success = ${bind(dialect.boolean(filter.success))}`);
  if (filter.client_id !== undefined) where.push(`client_id = ${bind(filter.client_id)}`);
  if (filter.endpoint !== undefined) where.push(`endpoint = ${bind(filter.endpoint)}`);
  if (filter.cursor !== undefined) {
    const cursor = decodeCursor(filter.cursor);
    // Written as a plain range on ts plus a residual test, rather than a row-value
    // comparison, so both planners use the (…, ts, id) index for the range.
    const ts = bind(dialect.timestamp(cursor.tsMs));
    const tsAgain = bind(dialect.timestamp(cursor.tsMs));
    const id = bind(cursor.id);
    where.push(`ts <= ${ts} AND (ts < ${tsAgain} OR id < ${id})`);
  }

  const limit = clampLimit(filter.limit);
  const sql =
    `SELECT ${LOG_COLUMNS} FROM request_log` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ts DESC, id DESC LIMIT ${limit + 1}`;
  return { sql, params, limit };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LOG_LIMIT;
  return Math.min(MAX_LOG_LIMIT, Math.max(1, Math.trunc(limit)));
}
