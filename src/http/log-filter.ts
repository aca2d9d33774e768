import { AppError } from '../errors.js';
import type { LogFilter } from '../store/types.js';
import { parseRequestDate } from './date-header.js';
import { conflictingKey } from './option-sources.js';

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

const FILTER_KEYS = new Set([
  'start_date',
  'end_date',
  'status_code',
  'success',
  'client_id',
  'endpoint',
  'limit',
  'cursor',
]);

function bad(message: string): AppError {
  return new AppError('invalid_filter', message);
}

function asText(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw bad(`"${name}" must be a string.`);
}

function parseDate(name: string, value: unknown): Date {
  const date = parseRequestDate(asText(name, value));
  if (!date) throw bad(`"${name}" must be an ISO 8601 date, e.g. 2025-08-13T00:00:00.`);
  return date;
}

function parseInteger(name: string, value: unknown, min: number, max: number): number {
  const text = asText(name, value).trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw bad(`"${name}" must be an integer from ${min} to ${max}.`);
  return n;
}

function parseSuccess(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = asText('success', value).trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw bad('"success" must be "True" or "False".');
}

/** The filters one source (the JSON body or the query string) gives, parsed; no defaults. */
function parseSource(source: Record<string, unknown>): Partial<LogFilter> {
  for (const key of Object.keys(source)) {
    if (!FILTER_KEYS.has(key)) throw bad(`Unknown filter "${key}". Known: ${[...FILTER_KEYS].join(', ')}.`);
    if (Array.isArray(source[key])) throw bad(`"${key}" is given more than once; give it once.`);
  }
  const present = (k: string): boolean => source[k] !== undefined && source[k] !== null && source[k] !== '';
  const filter: Partial<LogFilter> = {};
  if (present('start_date')) filter.start_date = parseDate('start_date', source.start_date);
  if (present('end_date')) {
    filter.end_date = parseDate('end_date', source.end_date);
    // A date alone means the whole of that day (UTC), as a person means it.
    if (/^\s*\d{4}-\d{2}-\d{2}\s*$/.test(asText('end_date', source.end_date)))
      filter.end_date = new Date(filter.end_date.getTime() + 86_400_000 - 1);
  }
  if (present('status_code')) filter.status_code = parseInteger('status_code', source.status_code, 100, 599);
  if (present('success')) filter.success = parseSuccess(source.success);
  if (present('client_id')) filter.client_id = asText('client_id', source.client_id).slice(0, 200);
  if (present('endpoint')) {
    const endpoint = asText('endpoint', source.endpoint);
    filter.endpoint = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
  }
  if (present('limit')) filter.limit = parseInteger('limit', source.limit, 1, MAX_LOG_LIMIT);
  if (present('cursor')) filter.cursor = asText('cursor', source.cursor).slice(0, 200);
  return filter;
}

const comparable = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v);

/**
 * Turns the v1 API's filters (a JSON body, even on GET) and query parameters into a
 * validated LogFilter. A filter given both ways must say the same thing in both (once
 * parsed: `"success": true` and `?success=True` agree); different values are a 400 rather
 * than one silently winning.
 */
export function parseLogFilter(body: unknown, query: Record<string, unknown>): LogFilter {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    throw bad('The filter body must be a JSON object.');
  const fromBody = parseSource((body ?? {}) as Record<string, unknown>);
  const fromQuery = parseSource(query);
  const key = conflictingKey<unknown>(fromBody, fromQuery, (a, b) => comparable(a) === comparable(b));
  if (key !== undefined)
    throw bad(
      `"${key}" is given in the JSON body and in the query string with different values; give it once.`,
    );
  const filter: LogFilter = { limit: DEFAULT_LOG_LIMIT, ...fromBody, ...fromQuery };
  if (filter.start_date && filter.end_date && filter.start_date > filter.end_date)
    throw bad('"start_date" is after "end_date".');
  return filter;
}
