/**
 * Keyset cursor for the request log: the (timestamp, id) of the last row of a
 * page. Rows are ordered newest first by (timestamp, id), so the next page is
 * everything strictly before that pair; inserts between pages never cause
 * duplicates or gaps. Opaque to clients (base64url).
 */
export interface LogCursor {
  /** Epoch milliseconds of the last row returned. */
  tsMs: number;
  id: number;
}

/** A cursor the client sent that we did not produce. The HTTP layer maps this to 400. */
export class InvalidCursorError extends Error {
  constructor(message = 'The cursor is invalid; pass next_cursor from a previous page unchanged.') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(cursor: LogCursor): string {
  return Buffer.from(`v1:${cursor.tsMs}:${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(value: string): LogCursor {
  if (value.length === 0 || value.length > 100 || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new InvalidCursorError();
  }
  const match = /^v1:(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError();
  const tsMs = Number(match[1]);
  const id = Number(match[2]);
  if (!Number.isSafeInteger(tsMs) || !Number.isSafeInteger(id) || id < 1) throw new InvalidCursorError();
  return { tsMs, id };
}
