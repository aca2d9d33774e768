import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { checkRequestDate, parseRequestDate } from '../../src/http/date-header.js';
import { parseLogFilter } from '../../src/http/log-filter.js';
import { checkPredictOptions, SEED_HINT_SCHEMAS } from '../../src/http/request-options.js';
import {
  parseThumbnailOptions,
  THUMBNAIL_OPTION_SCHEMAS,
  checkAcceptsJson,
  negotiateThumbnail,
} from '../../src/http/thumbnail-options.js';
import { decodeBase64Content } from '../../src/http/video-upload.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : 'not-app-error';
  }
  return undefined;
};

describe('request date header', () => {
  it('reads ISO 8601 with and without zone, fractions and offsets', () => {
    expect(parseRequestDate('2025-08-16T12:34:56Z')?.toISOString()).toBe('2025-08-16T12:34:56.000Z');
    expect(parseRequestDate('2025-08-16T12:34:56')?.toISOString()).toBe('2025-08-16T12:34:56.000Z');
    expect(parseRequestDate('2025-08-16T12:34:56.5+02:00')?.toISOString()).toBe('2025-08-16T10:34:56.500Z');
    expect(parseRequestDate('2025-08-16T12:34:56.123456-0130')?.toISOString()).toBe(
      '2025-08-16T14:04:56.123Z',
    );
    expect(parseRequestDate('2025-08-16')?.toISOString()).toBe('2025-08-16T00:00:00.000Z');
  });
  it('reads the HTTP date format', () => {
    expect(parseRequestDate('Sun, 06 Nov 1994 08:49:37 GMT')?.toISOString()).toBe('1994-11-06T08:49:37.000Z');
  });
  it('reads RFC 2822 dates with a numeric zone, as `date -u -R` writes them', () => {
    expect(parseRequestDate('Fri, 04 Dec 2026 15:40:00 +0000')?.toISOString()).toBe(
      '2026-12-04T15:40:00.000Z',
    );
    expect(parseRequestDate('Fri, 04 Dec 2026 16:40:00 +0100')?.toISOString()).toBe(
      '2026-12-04T15:40:00.000Z',
    );
    expect(parseRequestDate('Thu, 03 Dec 2026 21:10:00 -1830')?.toISOString()).toBe(
      '2026-12-04T15:40:00.000Z',
    );
    // Weekday and seconds are optional in RFC 2822; one-digit days and UT/UTC are allowed.
    expect(parseRequestDate('4 Dec 2026 15:40 UT')?.toISOString()).toBe('2026-12-04T15:40:00.000Z');
    expect(parseRequestDate('fri, 4 dec 2026 15:40:00 utc')?.toISOString()).toBe('2026-12-04T15:40:00.000Z');
  });
  it('reads ISO 8601 with an offset across a day boundary', () => {
    expect(parseRequestDate('2026-12-05T00:40:00+09:00')?.toISOString()).toBe('2026-12-04T15:40:00.000Z');
    expect(parseRequestDate('2026-12-04T10:40:00-05')?.toISOString()).toBe('2026-12-04T15:40:00.000Z');
  });
  it('refuses garbage and impossible dates', () => {
    for (const bad of [
      '',
      'yesterday',
      '2025-02-31T00:00:00Z',
      '2025-02-31T00:00:00+02:00',
      '2025-13-01',
      '12345',
      'Sun, 06 Nov 1994',
      'Fri, 31 Feb 2026 15:40:00 +0000',
      'Fri, 04 Dec 2026 25:40:00 +0000',
      'Fri, 04 Dec 2026 15:40:00 +00',
      'Fri, 04 Dec 2026 15:40:00 CEST',
    ])
      expect(parseRequestDate(bad), bad).toBeUndefined();
  });
  it('names the accepted formats when it refuses one', () => {
    const now = new Date('2026-12-04T15:40:00Z');
    try {
      checkRequestDate({ date: '04/12/2026 15:40' }, now, 900);
      expect.unreachable();
    } catch (err) {
      expect((err as AppError).code).toBe('bad_date');
      expect((err as AppError).message).toMatch(/ISO 8601.*HTTP date.*RFC 2822/);
    }
    expect(
      codeOf(() => checkRequestDate({ date: 'Fri, 04 Dec 2026 15:40:00 +0000' }, now, 900)),
    ).toBeUndefined();
  });
  it('checks presence, format and skew, preferring x-date', () => {
    const now = new Date('2025-08-16T12:00:00Z');
    expect(codeOf(() => checkRequestDate({}, now, 900))).toBe('missing_date');
    expect(codeOf(() => checkRequestDate({ date: 'nope' }, now, 900))).toBe('bad_date');
    expect(codeOf(() => checkRequestDate({ date: '2025-08-16T12:20:00Z' }, now, 900))).toBe('clock_skew');
    expect(codeOf(() => checkRequestDate({ date: '2025-08-16T12:20:00Z' }, now, 0))).toBeUndefined();
    expect(
      codeOf(() => checkRequestDate({ date: 'nope', 'x-date': '2025-08-16T12:01:00Z' }, now, 900)),
    ).toBeUndefined();
  });
});

describe('log filters', () => {
  it('accepts the seed filters from a body and query parameters', () => {
    const f = parseLogFilter(
      { start_date: '2025-08-13T00:00:00', status_code: '200', success: 'True' },
      { client_id: 'c1', limit: '5' },
    );
    expect(f.start_date?.toISOString()).toBe('2025-08-13T00:00:00.000Z');
    expect(f.status_code).toBe(200);
    expect(f.success).toBe(true);
    expect(f.client_id).toBe('c1');
    expect(f.limit).toBe(5);
    expect(parseLogFilter({ success: false, status_code: 401 }, {})).toMatchObject({
      success: false,
      status_code: 401,
    });
    expect(parseLogFilter({ success: 'fAlSe' }, {}).success).toBe(false);
    expect(parseLogFilter(undefined, { endpoint: 'predict' }).endpoint).toBe('/predict');
    expect(parseLogFilter(undefined, {}).limit).toBe(100);
  });
  it('refuses a filter given in the body and the query with different values, and a repeated one', () => {
    expect(codeOf(() => parseLogFilter({ status_code: 200 }, { status_code: '500' }))).toBe('invalid_filter');
    expect(codeOf(() => parseLogFilter({ client_id: 'a' }, { client_id: 'b' }))).toBe('invalid_filter');
    expect(codeOf(() => parseLogFilter({}, { status_code: ['200', '500'] }))).toBe('invalid_filter');
    // The same value written two ways agrees.
    expect(
      parseLogFilter({ success: true, status_code: 200 }, { success: 'True', status_code: '200' }),
    ).toMatchObject({
      success: true,
      status_code: 200,
    });
    expect(
      parseLogFilter({ start_date: '2025-08-13T00:00:00Z' }, { start_date: '2025-08-13T02:00:00+02:00' })
        .start_date,
    ).toEqual(new Date('2025-08-13T00:00:00Z'));
    // A start in the body and an end in the query are read together.
    expect(codeOf(() => parseLogFilter({ start_date: '2025-02-02' }, { end_date: '2025-01-01' }))).toBe(
      'invalid_filter',
    );
  });
  it('refuses bad values with invalid_filter', () => {
    for (const body of [
      { start_date: 'x' },
      { status_code: '20x' },
      { status_code: 42 },
      { success: 'yes' },
      { limit: 0 },
      { limit: 1001 },
      { unknown: 1 },
      { start_date: '2025-02-02', end_date: '2025-01-01' },
    ])
      expect(
        codeOf(() => parseLogFilter(body, {})),
        JSON.stringify(body),
      ).toBe('invalid_filter');
    expect(codeOf(() => parseLogFilter([1, 2], {}))).toBe('invalid_filter');
  });
});

describe('thumbnail options', () => {
  it('defaults like the seed and reads strings from query parameters', () => {
    expect(parseThumbnailOptions({})).toEqual({
      durationSec: 3,
      maxSize: 480,
      format: 'mp4',
      crop: 'none',
      anchor: 'whole',
    });
    expect(
      parseThumbnailOptions({ duration: '2.5', max_size: '0', output_format: 'GIF', crop: 'square' }),
    ).toMatchObject({
      durationSec: 2.5,
      maxSize: 0,
      format: 'gif',
      crop: 'square',
    });
    expect(parseThumbnailOptions({}, { anchor: 'peak', crop: 'face' })).toMatchObject({
      anchor: 'peak',
      crop: 'face',
    });
  });
  it('refuses durations outside 0.1-10 s with invalid_duration and other bad values with invalid_request', () => {
    for (const duration of [0, 0.05, 10.5, 'abc', -1])
      expect(codeOf(() => parseThumbnailOptions({ duration }))).toBe('invalid_duration');
    expect(codeOf(() => parseThumbnailOptions({ duration: 10 }))).toBeUndefined();
    expect(codeOf(() => parseThumbnailOptions({ output_format: 'avi' }))).toBe('invalid_request');
    expect(codeOf(() => parseThumbnailOptions({ max_size: 5 }))).toBe('invalid_request');
    expect(codeOf(() => parseThumbnailOptions({ max_size: 1.5 }))).toBe('invalid_request');
  });
  it('checks exactly the limits and enums the OpenAPI document shows, quoting them', () => {
    const errorOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    const { duration, max_size } = THUMBNAIL_OPTION_SCHEMAS;
    expect(codeOf(() => parseThumbnailOptions({ duration: duration.minimum }))).toBeUndefined();
    expect(codeOf(() => parseThumbnailOptions({ duration: duration.maximum }))).toBeUndefined();
    expect(errorOf(() => parseThumbnailOptions({ duration: duration.maximum! + 0.01 }))).toBe(
      `Duration must be between ${duration.minimum} and ${duration.maximum} seconds.`,
    );
    const side = max_size.anyOf[1]!;
    for (const ok of [0, side.minimum, side.maximum])
      expect(
        codeOf(() => parseThumbnailOptions({ max_size: ok })),
        String(ok),
      ).toBeUndefined();
    for (const bad of [side.minimum! - 1, side.maximum! + 1, -1])
      expect(errorOf(() => parseThumbnailOptions({ max_size: bad }))).toBe(
        `"max_size" must be 0 (source size) or an integer from ${side.minimum} to ${side.maximum}.`,
      );
    for (const name of ['output_format', 'crop', 'anchor'] as const) {
      const allowed = THUMBNAIL_OPTION_SCHEMAS[name].enum as string[];
      for (const value of allowed)
        expect(codeOf(() => parseThumbnailOptions({ [name]: value.toUpperCase() }))).toBeUndefined();
      expect(errorOf(() => parseThumbnailOptions({ [name]: 'other' }))).toBe(
        `"${name}" must be one of ${allowed.join(', ')}.`,
      );
    }
    const { fps } = SEED_HINT_SCHEMAS;
    expect(codeOf(() => checkPredictOptions({ fps: fps.maximum }))).toBeUndefined();
    for (const bad of [fps.exclusiveMinimum, fps.maximum! + 1])
      expect(errorOf(() => checkPredictOptions({ fps: bad }))).toContain(
        `"fps" must be a number above ${fps.exclusiveMinimum} and at most ${fps.maximum}`,
      );
  });
  it('knows when the client wants the raw file', () => {
    expect(negotiateThumbnail('video/mp4', 'mp4')).toBe('mp4');
    expect(negotiateThumbnail('application/json, video/mp4;q=0.9', 'mp4')).toBe('mp4');
    expect(negotiateThumbnail('*/*', 'mp4')).toBeNull();
    expect(negotiateThumbnail(undefined, undefined)).toBeNull();
    expect(negotiateThumbnail('application/json', undefined)).toBeNull();
    // Without output_format, the Accept header picks the format.
    expect(negotiateThumbnail('image/webp', undefined)).toBe('webp');
    expect(negotiateThumbnail('image/gif;q=0.5, image/webp;q=0.8', undefined)).toBe('webp');
    expect(negotiateThumbnail('image/webp;q=0, image/gif, application/json', undefined)).toBe('gif');
    // A format the client asked for that Accept does not allow: 406, not an MP4 in JSON.
    expect(codeOf(() => negotiateThumbnail('image/gif', 'mp4'))).toBe('not_acceptable');
    expect(codeOf(() => negotiateThumbnail('text/html', undefined))).toBe('not_acceptable');
    expect(negotiateThumbnail('image/gif, */*;q=0.1', 'mp4')).toBeNull();
    expect(codeOf(() => checkAcceptsJson('video/mp4'))).toBe('not_acceptable');
    expect(codeOf(() => checkAcceptsJson('application/*'))).toBeUndefined();
    expect(codeOf(() => checkAcceptsJson('text/html,application/xhtml+xml,*/*;q=0.8'))).toBeUndefined();
  });
});

describe('base64 content', () => {
  it('decodes plain, data-URL-prefixed and line-wrapped base64', () => {
    expect(decodeBase64Content('aGVsbG8=').toString()).toBe('hello');
    expect(decodeBase64Content('data:video/mp4;base64,aGVsbG8=').toString()).toBe('hello');
    expect(decodeBase64Content('aGVs\nbG8=').toString()).toBe('hello');
  });
  it('refuses characters outside the alphabet and impossible lengths', () => {
    expect(codeOf(() => decodeBase64Content('aGVsbG8*'))).toBe('bad_base64');
    expect(codeOf(() => decodeBase64Content('aGVsb'))).toBe('bad_base64');
    expect(codeOf(() => decodeBase64Content('data:video/mp4,aGVsbG8='))).toBe('bad_base64');
    expect(codeOf(() => decodeBase64Content(''))).toBe('missing_video');
  });
});
