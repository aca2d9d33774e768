import { Type, type TSchema } from '@sinclair/typebox';

import { EMOTIONS5 } from '../vision/emotions.js';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for a person' }),
    code: Type.String({ description: 'Stable machine-readable code (see the README error table)' }),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Error' },
);

const videoFields = {
  encoding: Type.Optional(Type.String({ description: 'Must be "base64"', examples: ['base64'] })),
  format: Type.Optional(
    Type.String({ description: 'Container hint (mp4, mov, webm...); the bytes are probed' }),
  ),
  fps: Type.Optional(Type.Number({ description: 'Hint only' })),
  content: Type.String({ description: 'The video, base64, optionally with a data: URL prefix' }),
};

const thumbnailFields = {
  duration: Type.Optional(Type.Number({ description: 'Seconds of output, 0.1-10 (default 3)' })),
  output_format: Type.Optional(Type.String({ enum: ['mp4', 'webp', 'gif'], description: 'Default mp4' })),
  max_size: Type.Optional(
    Type.Integer({ description: 'Long side in pixels (default 480; 0 keeps the source size)' }),
  ),
  crop: Type.Optional(Type.String({ enum: ['none', 'square', 'face'] })),
  anchor: Type.Optional(Type.String({ enum: ['whole', 'peak'] })),
};

export const PredictJsonBody = Type.Object(videoFields, { additionalProperties: true });
export const ThumbnailJsonBody = Type.Object(
  { ...videoFields, ...thumbnailFields },
  { additionalProperties: true },
);

export const ThumbnailQuery = Type.Object(
  {
    duration: Type.Optional(Type.String()),
    output_format: Type.Optional(Type.String()),
    max_size: Type.Optional(Type.String()),
    crop: Type.Optional(Type.String()),
    anchor: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const Emotion = Type.Union(EMOTIONS5.map((e) => Type.Literal(e)));

const Probabilities = Type.Object(Object.fromEntries(EMOTIONS5.map((e) => [e, Type.Number()])));

export const PredictResponse = Type.Object({
  emotion: Emotion,
  confidence: Type.Number(),
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
  thumbnail: Type.String({ description: 'The boomerang file, base64' }),
  format: Type.String(),
  mime_type: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  fps: Type.Number(),
  frames: Type.Integer(),
  duration: Type.Number(),
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
    'x-api-key': Type.Optional(Type.String({ description: 'Your API key' })),
    date: Type.Optional(Type.String({ description: 'Current time, ISO 8601 or HTTP date (or x-date)' })),
    'x-date': Type.Optional(Type.String()),
    'x-client-id': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** Error responses every secured endpoint can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

export const videoBodyContent = (schema: TSchema) => ({
  content: {
    'application/json': { schema },
  },
});
