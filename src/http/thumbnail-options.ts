import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

import { AppError } from '../errors.js';
import type { AnchorMode, CropMode, ThumbnailRequest } from '../jobs/clip-job.types.js';
import type { ThumbnailFormat } from '../media/types.js';

export const THUMBNAIL_FORMATS: readonly ThumbnailFormat[] = ['mp4', 'webp', 'gif'];
export const CROP_MODES: readonly CropMode[] = ['none', 'square', 'face'];
export const ANCHOR_MODES: readonly AnchorMode[] = ['whole', 'peak'];
export const MIME_TYPES: Record<ThumbnailFormat, string> = {
  mp4: 'video/mp4',
  webp: 'image/webp',
  gif: 'image/gif',
};
export const MAX_THUMBNAIL_SIDE = 4096;
/** Default long side of a cover, and of a GIF cover. */
export const DEFAULT_SIDE = 480;
export const DEFAULT_GIF_SIDE = 320;
const MIN_THUMBNAIL_SIDE = 16;

const DURATION = Type.Number({ minimum: 0.1, maximum: 10 });
const SIDE = Type.Integer({ minimum: MIN_THUMBNAIL_SIDE, maximum: MAX_THUMBNAIL_SIDE });

/** One thumbnail option: its schema, the request field it sets, how a given value is read, its default. */
interface ThumbnailOption<S extends TSchema, K extends keyof ThumbnailRequest> {
  schema: S;
  field: K;
  /** Checks a given value against `schema` (strings allowed: query and form fields) and converts it. */
  read(value: unknown): ThumbnailRequest[K];
  /** The value when not given, from the task's defaults and the options resolved before this one. */
  fallback(defaults: Partial<ThumbnailRequest>, resolved: Partial<ThumbnailRequest>): ThumbnailRequest[K];
}

const option = <S extends TSchema, K extends keyof ThumbnailRequest>(
  o: ThumbnailOption<S, K>,
): ThumbnailOption<S, K> => o;

function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

/** A numeric option (a number, or a string of one) that `schema` allows, else `code` with `message`. */
function numberWithin(schema: TSchema, code: 'invalid_duration' | 'invalid_request', message: string) {
  return (value: unknown): number => {
    const n = numeric(value);
    if (!allows(schema, n)) throw new AppError(code, message);
    return n;
  };
}

/** An enum option: any case; an empty value is a mistake, as in any transport. */
function oneOf<T extends string>(name: string, schema: TSchema) {
  return (value: unknown): T => {
    const text = String(value).toLowerCase();
    if (!allows(schema, text))
      throw new AppError(
        'invalid_request',
        `"${name}" must be one of ${(schema.enum as string[]).join(', ')}.`,
      );
    return text as T;
  };
}

const FORMAT = Type.String({ enum: [...THUMBNAIL_FORMATS], description: 'Default mp4' });
const CROP = Type.String({ enum: [...CROP_MODES], description: 'Default none (face on /analyze)' });
const ANCHOR = Type.String({ enum: [...ANCHOR_MODES], description: 'Default whole (peak on /analyze)' });
const MAX_SIZE = Type.Union([Type.Literal(0), SIDE], {
  description: `Long side in pixels, ${SIDE.minimum}-${SIDE.maximum} (default ${DEFAULT_SIDE}, ${DEFAULT_GIF_SIDE} for GIF; 0 keeps the source size)`,
});

/**
 * The thumbnail options, each defined once, in the order they are checked: the OpenAPI document
 * shows their schemas (schemas.ts), the option checks know their names (request-options.ts) and
 * {@link parseThumbnailOptions} checks every value against its schema, its messages quoting the
 * limits, so the document and the behaviour cannot drift apart. A task's defaults are in the
 * task table (`services/clip-tasks.ts`).
 */
export const THUMBNAIL_OPTION_TABLE = {
  duration: option({
    schema: Type.Number({
      ...DURATION,
      description: `Seconds of output, ${DURATION.minimum}-${DURATION.maximum} (default 3)`,
    }),
    field: 'durationSec',
    read: numberWithin(
      DURATION,
      'invalid_duration',
      `Duration must be between ${DURATION.minimum} and ${DURATION.maximum} seconds.`,
    ),
    fallback: (defaults) => defaults.durationSec ?? 3,
  }),
  output_format: option({
    schema: FORMAT,
    field: 'format',
    read: oneOf<ThumbnailFormat>('output_format', FORMAT),
    fallback: (defaults) => defaults.format ?? 'mp4',
  }),
  max_size: option({
    schema: MAX_SIZE,
    field: 'maxSize',
    read: numberWithin(
      MAX_SIZE,
      'invalid_request',
      `"max_size" must be 0 (source size) or an integer from ${SIDE.minimum} to ${SIDE.maximum}.`,
    ),
    // GIFs are 25-40x the MP4's bytes at the same size (measured: 1.2-2.2 MB at 480 px for a
    // 3 s cover): by default they come at 320 px (0.6-1.0 MB), the size GIFs are shared at.
    fallback: (defaults, resolved) =>
      defaults.maxSize ?? (resolved.format === 'gif' ? DEFAULT_GIF_SIDE : DEFAULT_SIDE),
  }),
  crop: option({
    schema: CROP,
    field: 'crop',
    read: oneOf<CropMode>('crop', CROP),
    fallback: (defaults) => defaults.crop ?? 'none',
  }),
  anchor: option({
    schema: ANCHOR,
    field: 'anchor',
    read: oneOf<AnchorMode>('anchor', ANCHOR),
    fallback: (defaults) => defaults.anchor ?? 'whole',
  }),
};

type OptionName = keyof typeof THUMBNAIL_OPTION_TABLE;
const OPTION_NAMES = Object.keys(THUMBNAIL_OPTION_TABLE) as OptionName[];

/** The thumbnail options' names, in the order they are checked. */
export const THUMBNAIL_OPTIONS: readonly OptionName[] = OPTION_NAMES;

/** Each thumbnail option's schema (what `/openapi.json` shows, and what its values are checked against). */
export const THUMBNAIL_OPTION_SCHEMAS = Object.fromEntries(
  OPTION_NAMES.map((name) => [name, THUMBNAIL_OPTION_TABLE[name].schema]),
) as { [K in OptionName]: (typeof THUMBNAIL_OPTION_TABLE)[K]['schema'] };

/**
 * True when `value` satisfies `schema`: TypeBox checks types and ranges; the `enum` keyword
 * of a string schema (which TypeBox leaves to JSON Schema validators) is checked here.
 */
export function allows(schema: TSchema, value: unknown): boolean {
  const allowed: unknown = schema.enum;
  return Value.Check(schema, value) && (!Array.isArray(allowed) || allowed.includes(value));
}

/** The thumbnail options given (absent or JSON null: not given), each checked; no defaults yet. */
export function readThumbnailOptions(source: Record<string, unknown>): Partial<ThumbnailRequest> {
  const given: Partial<Record<keyof ThumbnailRequest, unknown>> = {};
  for (const name of OPTION_NAMES) {
    const value = source[name];
    if (value !== undefined && value !== null)
      given[THUMBNAIL_OPTION_TABLE[name].field] = THUMBNAIL_OPTION_TABLE[name].read(value);
  }
  return given as Partial<ThumbnailRequest>;
}

/** The options given, completed with the task's `defaults` and then the options' own. */
export function withThumbnailDefaults(
  given: Partial<ThumbnailRequest>,
  defaults: Partial<ThumbnailRequest> = {},
): ThumbnailRequest {
  const resolved: Partial<Record<keyof ThumbnailRequest, unknown>> = {};
  for (const name of OPTION_NAMES) {
    const { field, fallback } = THUMBNAIL_OPTION_TABLE[name];
    resolved[field] = given[field] ?? fallback(defaults, resolved as Partial<ThumbnailRequest>);
  }
  // An idempotency fingerprint is the JSON of the request: its fields keep the order the first
  // jobs were fingerprinted with (maxSize before format); a new option's comes last.
  const { durationSec, maxSize, ...rest } = resolved as ThumbnailRequest;
  return { durationSec, maxSize, ...rest };
}

/**
 * Thumbnail options from a JSON body or query string (strings allowed there).
 * `defaults` lets /analyze default to the peak anchor and a face crop.
 */
export function parseThumbnailOptions(
  source: Record<string, unknown>,
  defaults: Partial<ThumbnailRequest> = {},
): ThumbnailRequest {
  return withThumbnailDefaults(readThumbnailOptions(source), defaults);
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** The media ranges of an Accept header, with their weights (RFC 9110 section 12.5.1). */
function mediaRanges(accept: string): MediaRange[] {
  return accept
    .toLowerCase()
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((p) => p.trim());
      const [type = '', subtype = ''] = range.split('/');
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type, subtype, q: Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0 };
    })
    .filter((r) => r.type !== '' && r.subtype !== '');
}

/** The weight the most specific matching range gives `mime` (0: not acceptable). */
function weight(ranges: MediaRange[], mime: string, exactOnly = false): number {
  const [type, subtype] = mime.split('/');
  const exact = ranges.find((r) => r.type === type && r.subtype === subtype);
  if (exact || exactOnly) return exact?.q ?? 0;
  const group = ranges.find((r) => r.type === type && r.subtype === '*');
  if (group) return group.q;
  return ranges.find((r) => r.type === '*' && r.subtype === '*')?.q ?? 0;
}

const notAcceptable = (offered: string[]): AppError =>
  new AppError(
    'not_acceptable',
    `This endpoint answers with ${offered.join(' or ')}; the Accept header allows none of them.`,
  );

/** 406 not_acceptable unless the Accept header (if any) allows a JSON answer. */
export function checkAcceptsJson(accept: string | undefined): void {
  if (!accept || accept.trim() === '') return;
  if (weight(mediaRanges(accept), 'application/json') <= 0) throw notAcceptable(['application/json']);
}

/**
 * What /thumbnail answers with, from its Accept header: the raw file when the header names a
 * cover's type (`video/mp4`, `image/webp`, `image/gif`), which also picks the format when
 * `output_format` was not given; else the JSON body. `requested` is the `output_format` the
 * client gave, if any: naming another format's type only is a 406, never a silent MP4.
 * @returns the format of the raw file to send, or null for JSON.
 */
export function negotiateThumbnail(
  accept: string | undefined,
  requested: ThumbnailFormat | undefined,
): ThumbnailFormat | null {
  if (!accept || accept.trim() === '') return null;
  const ranges = mediaRanges(accept);
  const candidates = requested ? [requested] : THUMBNAIL_FORMATS;
  let best: ThumbnailFormat | null = null;
  for (const format of candidates) {
    const q = weight(ranges, MIME_TYPES[format], true);
    if (q > 0 && (best === null || q > weight(ranges, MIME_TYPES[best], true))) best = format;
  }
  if (best) return best;
  if (weight(ranges, 'application/json') > 0) return null;
  throw notAcceptable(['application/json', ...candidates.map((f) => MIME_TYPES[f])]);
}
