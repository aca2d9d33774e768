import { redactApiKeys } from './api-key-hash.js';
import { encodeCursor } from './cursor.js';
import type { LogPage, RequestLogEntry } from './types.js';

/** Longest text kept per free-form column; a log row must stay small whatever a client sends. */
const MAX_TEXT = 2000;

/** An entry ready to bind: timestamp as epoch ms, free text bounded and scrubbed of API keys. */
export interface PreparedLogEntry extends Omit<RequestLogEntry, 'timestamp'> {
  tsMs: number;
}

export function prepareLogEntry(entry: RequestLogEntry): PreparedLogEntry {
  const tsMs = Date.parse(entry.timestamp);
  if (!Number.isFinite(tsMs)) throw new Error(`Log entry has an invalid timestamp: ${entry.timestamp}`);
  return {
    request_id: clean(entry.request_id, 200),
    tsMs,
    request_method: clean(entry.request_method, 20),
    endpoint: clean(entry.endpoint, MAX_TEXT),
    status_code: Number.isInteger(entry.status_code) ? entry.status_code : 0,
    latency_ms: Number.isFinite(entry.latency_ms) ? entry.latency_ms : 0,
    client_id: text(entry.client_id),
    success: Boolean(entry.success),
    prediction: text(entry.prediction),
    confidence: Number.isFinite(entry.confidence) ? entry.confidence : null,
    error_message: text(entry.error_message),
    error_code: text(entry.error_code),
    key_id: entry.key_id ?? null,
    model: text(entry.model),
  };
}

/**
 * Text as stored: bounded, API keys masked, NUL removed (PostgreSQL text cannot
 * hold it, and a client can put one in a path or header-derived message).
 */
function clean(value: unknown, max: number): string {
  return redactApiKeys(String(value).slice(0, max).replaceAll('\0', ''));
}

function text(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : clean(value, MAX_TEXT);
}

/** A row as read back, with the backend's timestamp and boolean already normalised. */
export type NormalisedLogRow = Omit<RequestLogEntry, 'timestamp'> & { id: number; tsMs: number };

/** Rows come from a query with LIMIT limit + 1: the extra row only signals a next page. */
export function toLogPage(rows: NormalisedLogRow[], limit: number): LogPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    logs: page.map((r) => ({
      id: r.id,
      request_id: r.request_id,
      timestamp: new Date(r.tsMs).toISOString(),
      request_method: r.request_method,
      endpoint: r.endpoint,
      status_code: r.status_code,
      latency_ms: r.latency_ms,
      client_id: r.client_id,
      success: r.success,
      prediction: r.prediction,
      confidence: r.confidence,
      error_message: r.error_message,
      error_code: r.error_code,
      key_id: r.key_id,
      model: r.model,
    })),
    next_cursor: rows.length > limit && last ? encodeCursor({ tsMs: last.tsMs, id: last.id }) : null,
  };
}
