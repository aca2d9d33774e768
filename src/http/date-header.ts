import { AppError } from '../errors.js';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// RFC 2822/5322 dates, of which RFC 9110's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is one:
// what `date -u -R`, most mail and HTTP libraries write ("Fri, 04 Dec 2026 15:40:00 +0000").
// The weekday is optional, seconds too; the zone is numeric or GMT/UT/UTC/Z.
const RFC_2822 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{4}|GMT|UTC?|Z)$/i;

/** The formats a request date may take, as the error message names them. */
export const ACCEPTED_DATE_FORMATS =
  'ISO 8601 (2026-12-04T15:40:00Z, or with an offset: 2026-12-04T16:40:00+01:00), ' +
  'an HTTP date (Fri, 04 Dec 2026 15:40:00 GMT) or RFC 2822 with a numeric zone (Fri, 04 Dec 2026 15:40:00 +0000, as `date -u -R` writes)';

/** Builds the instant, or undefined for calendar values Date would roll over (Feb 31, 25:00). */
function instant(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string,
  ms: string,
  zone: string,
) {
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${zone}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // Checked in the written zone: shift by the offset and read the calendar fields back.
  const offsetMin =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(date.getTime() + offsetMin * 60_000);
  if (
    local.getUTCDate() !== Number(d) ||
    local.getUTCMonth() + 1 !== Number(mo) ||
    local.getUTCHours() !== Number(h)
  )
    return undefined;
  return date;
}

/**
 * Parses a request date in ISO 8601 (the v1 API's format; a missing zone means UTC, as
 * its clients send naive UTC times; an offset is honoured) or RFC 2822 (HTTP's IMF-fixdate
 * included).
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
    return instant(y!, mo!, d!, h, mi, s, ms, zoneSuffix);
  }
  const mail = RFC_2822.exec(value);
  if (mail) {
    const [, d, mon, y, h, mi, s = '00', zone] = mail;
    const month = MONTHS.findIndex((m) => m.toLowerCase() === mon!.toLowerCase()) + 1;
    const numeric = zone!.startsWith('+') || zone!.startsWith('-');
    const zoneSuffix = numeric ? `${zone!.slice(0, 3)}:${zone!.slice(3)}` : 'Z';
    return instant(y!, String(month).padStart(2, '0'), d!.padStart(2, '0'), h!, mi!, s, '', zoneSuffix);
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
    throw new AppError('bad_date', `The "${name}" header could not be parsed; use ${ACCEPTED_DATE_FORMATS}.`);
  }
  if (maxSkewSeconds > 0 && Math.abs(date.getTime() - now.getTime()) > maxSkewSeconds * 1000) {
    throw new AppError(
      'clock_skew',
      `The "${name}" header is more than ${maxSkewSeconds} s away from the server clock (${now.toISOString()}).`,
    );
  }
  return date;
}
