import { Type, type TProperties, type TSchema } from '@sinclair/typebox';

import { ERROR_TABLE, type ErrorCode } from '../errors.js';
import { TASK_NAMES, type ClipTask } from '../services/clip-tasks.js';
import { SEED_HINT_SCHEMAS } from './request-options.js';
import { THUMBNAIL_OPTION_SCHEMAS, THUMBNAIL_OPTIONS } from './thumbnail-options.js';
import { UNCERTAIN_BELOW } from '../vision/confidence.js';
import { EMOTIONS5 } from '../vision/emotions.js';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for a person' }),
    code: Type.String({ description: 'Stable machine-readable code (see the README error table)' }),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Error' },
);

/**
 * A schema without its limits, for Fastify's validation of the JSON body (types and enums):
 * the limits themselves are checked against the full schemas by request-options.ts and
 * thumbnail-options.ts, with their own error codes (`invalid_duration`) and messages.
 */
function withoutLimits(schema: TSchema): TSchema {
  const { minimum: _min, maximum: _max, exclusiveMinimum: _xmin, maxLength: _len, ...rest } = schema;
  return rest as TSchema;
}

/** OpenAPI 3.0 writes an exclusive bound as a flag beside `minimum` (JSON Schema, as a number). */
function openApi30(schema: TSchema): TSchema {
  const { exclusiveMinimum, ...rest } = schema;
  return typeof exclusiveMinimum === 'number'
    ? ({ ...rest, minimum: exclusiveMinimum, exclusiveMinimum: true } as TSchema)
    : schema;
}

function videoFieldsOf(hint: (schema: TSchema) => TSchema) {
  return {
    encoding: Type.Optional(Type.String({ description: 'Must be "base64"', examples: ['base64'] })),
    format: Type.Optional(hint(SEED_HINT_SCHEMAS.format)),
    fps: Type.Optional(hint(SEED_HINT_SCHEMAS.fps)),
    content: Type.String({ description: 'The video, base64, optionally with a data: URL prefix' }),
  };
}
const videoFields = videoFieldsOf(withoutLimits);
const videoDocFields = videoFieldsOf(openApi30);

const optional = (schemas: Record<string, TSchema>): TProperties =>
  Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, Type.Optional(v)]));

/** The thumbnail options as the document shows them: the very schemas values are checked against. */
const thumbnailDocFields = optional(THUMBNAIL_OPTION_SCHEMAS);
/** The same, types and enums only, for the JSON body's validation (0 or 16-4096 is an integer). */
const thumbnailFields = optional({
  ...Object.fromEntries(Object.entries(THUMBNAIL_OPTION_SCHEMAS).map(([k, v]) => [k, withoutLimits(v)])),
  max_size: Type.Integer({ description: THUMBNAIL_OPTION_SCHEMAS.max_size.description }),
});

/**
 * How the three video endpoints' bodies and options look in the OpenAPI document: the
 * v1 API's JSON, the raw file (`video/*`, `application/octet-stream`, and where the route answers
 * an emotion the still image types) and multipart with a `video` field, the options typed (as
 * query parameters for raw and multipart uploads).
 * Documentation only: the checks themselves are in video-upload.ts, request-options.ts and
 * thumbnail-options.ts, which check values against these same option schemas.
 */
export function documentVideoRoute(
  schema: Record<string, unknown>,
  task: ClipTask,
  asyncJob = false,
): Record<string, unknown> {
  const withThumbnail = task.thumbnail !== undefined;
  /** /predict and /analyze (and their jobs): they take still photos and a subject_id. */
  const answersEmotion = task.answersEmotion;
  const binary = { type: 'string', format: 'binary', description: 'The video file' };
  const photo = {
    schema: {
      type: 'string',
      format: 'binary',
      description: 'A still photo, scored as a one-frame input (the bytes are probed; the type is a hint)',
    },
  };
  // /thumbnail refuses photos (422 still_image), so only /predict and /analyze list them.
  const photoTypes = answersEmotion
    ? { 'image/jpeg': photo, 'image/png': photo, 'image/webp': photo, 'image/heic': photo }
    : {};
  const callback: TProperties = asyncJob
    ? {
        callback_url: Type.Optional(
          Type.String({
            format: 'uri',
            description:
              'http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.',
          }),
        ),
      }
    : {};
  const subject: TProperties = answersEmotion ? { subject_id: Type.Optional(SUBJECT_ID_SCHEMA) } : {};
  const options: TProperties = { ...(withThumbnail ? thumbnailDocFields : {}), ...subject, ...callback };
  const nested: TProperties = task.nestedThumbnail
    ? { thumbnail: Type.Optional(Type.Object(thumbnailDocFields)) }
    : {};
  // Unknown options are refused (400 invalid_request), so the document says so.
  const json = Type.Object({ ...videoDocFields, ...options, ...nested }, { additionalProperties: false });
  return {
    ...schema,
    body: {
      content: {
        'application/json': { schema: json },
        'video/*': { schema: binary },
        ...photoTypes,
        'application/octet-stream': { schema: binary },
        'multipart/form-data': {
          schema: Type.Object({ video: Type.Unsafe<string>(binary), ...options }),
        },
      },
    },
    ...(withThumbnail || asyncJob || answersEmotion ? { querystring: Type.Object(options) } : {}),
  };
}

export const PredictJsonBody = Type.Object(videoFields, { additionalProperties: true });
export const ThumbnailJsonBody = Type.Object(
  { ...videoFields, ...thumbnailFields },
  { additionalProperties: true },
);

/** The thumbnail options as query parameters (strings; our checks read them). */
export const ThumbnailQuery = Type.Object(
  Object.fromEntries(THUMBNAIL_OPTIONS.map((name) => [name, Type.Optional(Type.String())])),
  { additionalProperties: true },
);

const Emotion = Type.Union(EMOTIONS5.map((e) => Type.Literal(e)));

const Probabilities = Type.Object(Object.fromEntries(EMOTIONS5.map((e) => [e, Type.Number()])));

export const PredictResponse = Type.Object({
  emotion: Emotion,
  confidence: Type.Number({
    description:
      'Probability of `emotion`, calibrated on people held out of the fit: of the answers given with confidence 0.7, about 70 % are right',
  }),
  uncertain: Type.Boolean({
    description: `True when confidence is below ${UNCERTAIN_BELOW}: the label is kept, but an app should not show it as a fact (e.g. show "mixed feelings")`,
  }),
  prediction: Emotion,
  probabilities: Probabilities,
  frames_analyzed: Type.Integer(),
  frames_with_face: Type.Integer(),
  timeline: Type.Array(
    Type.Object({
      t: Type.Number({ description: 'Seconds from the clip start' }),
      emotion: Type.Union([Emotion, Type.Null()]),
      confidence: Type.Union([Type.Number(), Type.Null()]),
      probabilities: Type.Union([Probabilities, Type.Null()], {
        description: "The frame's five probabilities; null when the frame has no face",
      }),
    }),
  ),
  peak_t: Type.Number({ description: 'Time (s) of the frame that shows the emotion most strongly' }),
  face: Type.Union(
    [
      Type.Object({
        x: Type.Number(),
        y: Type.Number(),
        width: Type.Number(),
        height: Type.Number(),
      }),
      Type.Null(),
    ],
    { description: 'A square around the face, steady over the clip, as fractions of the upright frame' },
  ),
  model: Type.String(),
  latency_ms: Type.Number(),
});

export const ThumbnailResponse = Type.Object({
  thumbnail: Type.String({
    description: 'The boomerang file, base64 (of a photo: the still cover, cropped as asked)',
  }),
  format: Type.String({
    description:
      "mp4, webp or gif; a photo's cover is a still: jpeg (for output_format mp4, the default), webp or gif",
  }),
  mime_type: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  fps: Type.Number({ description: "10 for a boomerang; 0 for a photo's still cover" }),
  frames: Type.Integer({ description: "2N-1 for a boomerang of N frames; 1 for a photo's still cover" }),
  duration: Type.Number({ description: "Seconds; 0 for a photo's still cover" }),
  latency_ms: Type.Number(),
});

export const AnalyzeResponse = Type.Object({
  ...PredictResponse.properties,
  thumbnail: ThumbnailResponse,
});

export const LogsQuery = Type.Object(
  {
    start_date: Type.Optional(Type.String({ description: 'ISO 8601' })),
    end_date: Type.Optional(Type.String({ description: 'ISO 8601' })),
    status_code: Type.Optional(Type.String()),
    success: Type.Optional(Type.String({ description: '"True" or "False" (any case)' })),
    client_id: Type.Optional(Type.String()),
    endpoint: Type.Optional(Type.String({ description: 'e.g. /predict' })),
    limit: Type.Optional(Type.String({ description: '1-1000, default 100' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: true },
);

export const LogEntry = Type.Object({
  id: Type.Integer(),
  request_id: Type.String(),
  timestamp: Type.String(),
  request_method: Type.String(),
  endpoint: Type.String(),
  status_code: Type.Integer(),
  latency_ms: Type.Number(),
  client_id: Type.Union([Type.String(), Type.Null()]),
  success: Type.Boolean(),
  prediction: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Union([Type.Number(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()]),
  key_id: Type.Union([Type.String(), Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
});

export const LogsResponse = Type.Object({
  logs: Type.Array(LogEntry),
  count: Type.Integer(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Number(),
});

export const securedHeaders = Type.Object(
  {
    'x-api-key': Type.Optional(
      Type.String({
        description: 'Your API key (also the Authorize button of /docs). Missing or wrong: 401.',
      }),
    ),
    date: Type.Optional(
      Type.String({
        description:
          'The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one.',
      }),
    ),
    'x-date': Type.Optional(
      Type.String({
        description:
          'The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent.',
      }),
    ),
    'x-client-id': Type.Optional(
      Type.String({
        description:
          "A client id recorded in the request log. With a per-client key the key's own client id is used instead.",
      }),
    ),
  },
  { additionalProperties: true },
);

/**
 * Error responses for the OpenAPI document: the error body with, per status, the codes of
 * the README's error table that status carries.
 */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => {
      const codes = (Object.keys(ERROR_TABLE) as ErrorCode[]).filter((c) => ERROR_TABLE[c].status === status);
      return [
        status,
        Type.Object(
          {
            error: Type.String({ description: 'What went wrong, for a person' }),
            code: Type.String({ enum: codes, description: 'Stable machine-readable code' }),
            request_id: Type.Optional(Type.String()),
          },
          { description: codes.map((c) => `${c}: ${ERROR_TABLE[c].message}`).join(' | ') },
        ),
      ];
    }),
  );
}

export const videoBodyContent = (schema: TSchema) => ({
  content: {
    'application/json': { schema },
  },
});

export const jobHeaders = Type.Object(
  {
    ...securedHeaders.properties,
    'idempotency-key': Type.Optional(
      Type.String({
        description:
          'Up to 200 printable ASCII characters. The same key from the same client within the job TTL returns the first job (same job_id) and queues nothing.',
      }),
    ),
  },
  { additionalProperties: true },
);

const JobStatus = Type.Union(
  ['queued', 'running', 'succeeded', 'failed'].map((s) => Type.Literal(s)),
  { description: 'queued, running, succeeded or failed' },
);

export const JobAccepted = Type.Object(
  {
    job_id: Type.String(),
    status: JobStatus,
    status_url: Type.String({ description: 'Relative URL to poll: /jobs/<id> (also the Location header)' }),
  },
  { description: 'Accepted (or, with a known Idempotency-Key, the first job, still unfinished)' },
);

export const JobDocumentSchema = Type.Object(
  {
    job_id: Type.String(),
    task: Type.Union(TASK_NAMES.map((t) => Type.Literal(t))),
    status: JobStatus,
    created_at: Type.String({ description: 'ISO 8601' }),
    finished_at: Type.Union([Type.String(), Type.Null()]),
    result: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
      description: "The sync endpoint's 200 body once succeeded, else null",
    }),
    error: Type.Union([Type.Object({ error: Type.String(), code: Type.String() }), Type.Null()], {
      description: 'The error the sync endpoint would have answered, once failed, else null',
    }),
    status_url: Type.String(),
  },
  { description: 'The job; a webhook receives exactly this document' },
);

export const FeedbackBody = Type.Object(
  {
    request_id: Type.String({
      description: 'The x-request-id of the answer being corrected (asked with a subject_id)',
    }),
    emotion: Type.String({
      description: `What it really was: one of ${EMOTIONS5.join(', ')} (any case)`,
      examples: ['Sad'],
    }),
  },
  { additionalProperties: true },
);

export const SubjectResponse = Type.Object(
  {
    subject_id: Type.String(),
    corrections: Type.Integer({ description: 'Answers of this subject corrected so far' }),
    answers: Type.Integer({ description: 'Answers kept for it (as numbers), corrected or not' }),
    bias: Type.Object(Object.fromEntries(EMOTIONS5.map((e) => [e, Type.Number()])), {
      description:
        "Added to the log probabilities of the subject's answers: the corrections' bias less the subject's baseline lean (the mean lean of its kept answers), as fitted at the latest correction (0 before any)",
    }),
    updated_at: Type.Union([Type.String(), Type.Null()], {
      description: 'When the bias was last refitted (ISO 8601), null before any correction',
    }),
  },
  { description: 'What is stored for the subject: numbers only, never images' },
);

/** subject_id as the video endpoints that answer with an emotion take it. */
export const SUBJECT_ID_SCHEMA = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[\\x21-\\x7e]+$',
  description:
    'Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes.',
});
