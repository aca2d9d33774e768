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
  const text = (value: string | null): string | null =>
    value === null || value === undefined ? null : redactApiKeys(String(value).slice(0, MAX_TEXT));
  return {
    request_id: String(entry.request_id).slice(0, 200),
    tsMs,
    request_method: String(entry.request_method).slice(0, 20),
    endpoint: redactApiKeys(String(entry.endpoint).slice(0, MAX_TEXT)),
    status_code: entry.status_code,
    latency_ms: entry.latency_ms,
    client_id: text(entry.client_id),
    success: Boolean(entry.success),
    prediction: text(entry.prediction),
    confidence: entry.confidence ?? null,
    error_message: text(entry.error_message),
    error_code: text(entry.error_code),
    key_id: entry.key_id ?? null,
    model: text(entry.model),
  };
}

/** A row as read back, with the backend's timestamp and boolean already normalised. */
export interface NormalisedLogRow {
  id: number;
  tsMs: number;
  success: boolean;
  request_id: string;
  request_method: string;
  endpoint: string;
  status_code: number;
  latency_ms: number;
  client_id: string | null;
  prediction: string | null;
  confidence: number | null;
  error_message: string | null;
  error_code: string | null;
  key_id: string | null;
  model: string | null;
}

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
