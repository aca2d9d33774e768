import { AppError } from '../errors.js';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Parses a request date in ISO 8601 (the seed's format; a missing zone means UTC, as
 * the seed's clients send naive UTC times) or the HTTP IMF-fixdate format.
 * Returns undefined when the value is neither.
 */
export function parseRequestDate(raw: string): Date | undefined {
  const value = raw.trim();
  if (value.length === 0 || value.length > 64) return undefined;
  const iso = ISO_8601.exec(value);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = iso;
    const zoneSuffix =
      zone === undefined || zone.toUpperCase() === 'Z'
        ? 'Z'
        : zone.length === 3
          ? `${zone}:00`
          : zone.includes(':')
            ? zone
            : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const ms = frac ? `.${frac.padEnd(3, '0').slice(0, 3)}` : '';
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${zoneSuffix}`);
    if (Number.isNaN(date.getTime())) return undefined;
    // Reject impossible calendar values that Date would roll over (e.g. Feb 31).
    if (zoneSuffix === 'Z' && (date.getUTCDate() !== Number(d) || date.getUTCMonth() + 1 !== Number(mo)))
      return undefined;
    return date;
  }
  if (IMF_FIXDATE.test(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/**
 * Enforces the seed's required `date` header (or `x-date`, which browsers can set).
 * @param maxSkewSeconds 0 disables the clock-skew check.
 */
export function checkRequestDate(
  headers: Record<string, string | string[] | undefined>,
  now: Date,
  maxSkewSeconds: number,
): Date {
  const name = headers['x-date'] !== undefined ? 'x-date' : 'date';
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') throw new AppError('missing_date');
  const date = parseRequestDate(value);
  // The messages name the header the client actually sent.
  if (!date) {
    throw new AppError('bad_date', `The "${name}" header could not be parsed; use ISO 8601 or an HTTP date.`);
  }
  if (maxSkewSeconds > 0 && Math.abs(date.getTime() - now.getTime()) > maxSkewSeconds * 1000) {
    throw new AppError(
      'clock_skew',
      `The "${name}" header is more than ${maxSkewSeconds} s away from the server clock (${now.toISOString()}).`,
    );
  }
  return date;
}
