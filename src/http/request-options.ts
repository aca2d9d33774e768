/**
 * Which options each video endpoint takes, checked strictly: an unknown or misspelt
 * option, or a hint out of range, is a 400 naming the field, never silently ignored.
 * The seed's four fields (`encoding`, `format`, `fps`, `content`) stay accepted exactly
 * as the seed's clients send them.
 */
import { Type } from '@sinclair/typebox';

import { AppError } from '../errors.js';
import { CLIP_TASKS, type ClipTask } from '../services/clip-tasks.js';
import { allows, THUMBNAIL_OPTIONS } from './thumbnail-options.js';

/** The seed's fields (hints: the bytes are probed). `content` never reaches here. */
export const SEED_OPTIONS = ['encoding', 'format', 'fps'] as const;
/** How the clip came: its options come with it (JSON fields), or in the query string and form fields. */
export type UploadTransport = 'json' | 'raw' | 'multipart';
/** The seed's hints that mean something beside a raw or multipart upload (`encoding` does not). */
const HINTS_BESIDE_A_FILE = ['format', 'fps'] as const;

/** The seed's fields a transport takes. */
const seedOptionsFor = (transport: UploadTransport): readonly string[] =>
  transport === 'json' ? SEED_OPTIONS : HINTS_BESIDE_A_FILE;
/** /predict and /analyze (and their jobs): whose answer it is, to learn from their corrections. */
export const SUBJECT_OPTION = 'subject_id';

/**
 * The seed's hints, defined once: the OpenAPI document shows these schemas (schemas.ts) and
 * {@link checkSeedHints} checks the values against them, its messages quoting their limits.
 */
export const SEED_HINT_SCHEMAS = {
  format: Type.String({
    maxLength: 32,
    description: 'Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed',
  }),
  fps: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Hint only (the clip is probed)' }),
};

const invalid = (message: string): AppError => new AppError('invalid_request', message);

function checkKnown(source: Record<string, unknown>, known: readonly string[], where = ''): void {
  for (const key of Object.keys(source)) {
    if (!known.includes(key)) {
      throw invalid(`Unknown option "${where}${key}". Known options: ${known.join(', ')}.`);
    }
    // A repeated query parameter or form field, or a JSON array: which one was meant is a guess.
    if (Array.isArray(source[key])) throw invalid(`"${where}${key}" must be given once, as a single value.`);
  }
}

/** The seed's hints, when given, must be sane (they are hints; the clip is probed). */
function checkSeedHints(source: Record<string, unknown>): void {
  const fps = source.fps;
  if (fps !== undefined && fps !== null) {
    const n = typeof fps === 'number' ? fps : typeof fps === 'string' ? Number(fps) : NaN;
    const { exclusiveMinimum, maximum } = SEED_HINT_SCHEMAS.fps;
    if (!allows(SEED_HINT_SCHEMAS.fps, n)) {
      throw invalid(
        `"fps" must be a number above ${exclusiveMinimum} and at most ${maximum} (a hint: the clip is probed).`,
      );
    }
  }
  const format = source.format;
  if (format !== undefined && format !== null && !allows(SEED_HINT_SCHEMAS.format, format)) {
    throw invalid('"format" must be a short text such as "mp4" (a hint: the clip is probed).');
  }
}

/** /predict: the seed's fields and subject_id. */
export function checkPredictOptions(
  source: Record<string, unknown>,
  transport: UploadTransport = 'json',
): void {
  checkTaskOptions(CLIP_TASKS.predict, source, transport);
}

/**
 * The options a task takes (from the task table): the seed's fields; the thumbnail options for
 * /thumbnail and /analyze, which /analyze also takes nested as `"thumbnail": {...}` (the README's
 * form; they win over the same options at the top level); subject_id where the answer is an
 * emotion. Returns the thumbnail options to parse (empty for a task without them).
 */
export function checkTaskOptions(
  task: ClipTask,
  source: Record<string, unknown>,
  transport: UploadTransport = 'json',
): Record<string, unknown> {
  const nestedAllowed = task.nestedThumbnail && transport === 'json';
  const known = [
    ...seedOptionsFor(transport),
    ...(task.thumbnail ? THUMBNAIL_OPTIONS : []),
    ...(nestedAllowed ? ['thumbnail'] : []),
    ...(task.answersEmotion ? [SUBJECT_OPTION] : []),
  ];
  checkKnown(source, known);
  checkSeedHints(source);
  if (!task.thumbnail) return {};
  const { thumbnail: nested, ...top } = source;
  if (!task.nestedThumbnail || nested === undefined || nested === null) return top;
  if (typeof nested !== 'object' || Array.isArray(nested)) {
    throw invalid('"thumbnail" must be an object of thumbnail options, e.g. {"duration": 2}.');
  }
  checkKnown(nested as Record<string, unknown>, THUMBNAIL_OPTIONS, 'thumbnail.');
  return { ...top, ...(nested as Record<string, unknown>) };
}
