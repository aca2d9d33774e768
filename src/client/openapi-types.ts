/**
 * Generated from /openapi.json by `npm run client:types` (openapi-typescript). Do not edit.
 */
export interface paths {
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: operations['health'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness (models loaded) */
    get: operations['ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/predict': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Predict the emotion shown in a clip
     * @description Body: the seed JSON payload (base64), or the raw video (video/*, application/octet-stream), or multipart/form-data with a "video" field.
     */
    post: operations['predict'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/thumbnail': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Make a looping boomerang thumbnail of a clip
     * @description Options come in the JSON body, or as query parameters for raw and multipart uploads. With Accept: video/mp4 (or the chosen format's type) /thumbnail answers with the raw file.
     */
    post: operations['thumbnail'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/analyze': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Predict the emotion and make a thumbnail anchored at its peak, from one upload
     * @description Options come in the JSON body, or as query parameters for raw and multipart uploads. With Accept: video/mp4 (or the chosen format's type) /thumbnail answers with the raw file.
     */
    post: operations['analyze'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/logs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read the request log, newest first
     * @description Filters as query parameters or, as the seed did, as a JSON body on GET. A client key sees only its own entries.
     */
    get: operations['logs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (admin key) */
    get: operations['metrics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  health: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  predict: {
    parameters: {
      query?: never;
      header?: {
        /** @description Current time, ISO 8601 or HTTP date (or x-date) */
        date?: string;
        'x-date'?: string;
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /**
           * @description Must be "base64"
           * @example base64
           */
          encoding?: string;
          /** @description Container hint (mp4, mov, webm...); the bytes are probed */
          format?: string;
          /** @description Hint only */
          fps?: number;
          /** @description The video, base64, optionally with a data: URL prefix */
          content: string;
        } & {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            emotion: 'Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad';
            confidence: number;
            prediction: 'Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad';
            probabilities: {
              Anger: number;
              Happy: number;
              Shock: number;
              Neutral: number;
              Sad: number;
            };
            frames_analyzed: number;
            frames_with_face: number;
            timeline: {
              /** @description Seconds from the clip start */
              t: number;
              emotion: ('Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad') | (never | null);
              confidence: number | null;
              /** @description The frame's five probabilities; null when the frame has no face */
              probabilities: {
                Anger: number;
                Happy: number;
                Shock: number;
                Neutral: number;
                Sad: number;
              } | null;
            }[];
            /** @description Time (s) of the frame that shows the emotion most strongly */
            peak_t: number;
            /** @description A square around the face, steady over the clip, as fractions of the upright frame */
            face: {
              x: number;
              y: number;
              width: number;
              height: number;
            } | null;
            model: string;
            latency_ms: number;
          };
        };
      };
      /** @description Default Response */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
    };
  };
  thumbnail: {
    parameters: {
      query?: {
        duration?: string;
        output_format?: string;
        max_size?: string;
        crop?: string;
        anchor?: string;
      };
      header?: {
        /** @description Current time, ISO 8601 or HTTP date (or x-date) */
        date?: string;
        'x-date'?: string;
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /**
           * @description Must be "base64"
           * @example base64
           */
          encoding?: string;
          /** @description Container hint (mp4, mov, webm...); the bytes are probed */
          format?: string;
          /** @description Hint only */
          fps?: number;
          /** @description The video, base64, optionally with a data: URL prefix */
          content: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels (default 480; 0 keeps the source size) */
          max_size?: number;
          /** @enum {string} */
          crop?: 'none' | 'square' | 'face';
          /** @enum {string} */
          anchor?: 'whole' | 'peak';
        } & {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description The boomerang file, base64 */
            thumbnail: string;
            format: string;
            mime_type: string;
            width: number;
            height: number;
            fps: number;
            frames: number;
            duration: number;
            latency_ms: number;
          };
        };
      };
      /** @description Default Response */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
    };
  };
  analyze: {
    parameters: {
      query?: {
        duration?: string;
        output_format?: string;
        max_size?: string;
        crop?: string;
        anchor?: string;
      };
      header?: {
        /** @description Current time, ISO 8601 or HTTP date (or x-date) */
        date?: string;
        'x-date'?: string;
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /**
           * @description Must be "base64"
           * @example base64
           */
          encoding?: string;
          /** @description Container hint (mp4, mov, webm...); the bytes are probed */
          format?: string;
          /** @description Hint only */
          fps?: number;
          /** @description The video, base64, optionally with a data: URL prefix */
          content: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels (default 480; 0 keeps the source size) */
          max_size?: number;
          /** @enum {string} */
          crop?: 'none' | 'square' | 'face';
          /** @enum {string} */
          anchor?: 'whole' | 'peak';
        } & {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            emotion: 'Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad';
            confidence: number;
            prediction: 'Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad';
            probabilities: {
              Anger: number;
              Happy: number;
              Shock: number;
              Neutral: number;
              Sad: number;
            };
            frames_analyzed: number;
            frames_with_face: number;
            timeline: {
              /** @description Seconds from the clip start */
              t: number;
              emotion: ('Anger' | 'Happy' | 'Shock' | 'Neutral' | 'Sad') | (never | null);
              confidence: number | null;
              /** @description The frame's five probabilities; null when the frame has no face */
              probabilities: {
                Anger: number;
                Happy: number;
                Shock: number;
                Neutral: number;
                Sad: number;
              } | null;
            }[];
            /** @description Time (s) of the frame that shows the emotion most strongly */
            peak_t: number;
            /** @description A square around the face, steady over the clip, as fractions of the upright frame */
            face: {
              x: number;
              y: number;
              width: number;
              height: number;
            } | null;
            model: string;
            latency_ms: number;
            thumbnail: {
              /** @description The boomerang file, base64 */
              thumbnail: string;
              format: string;
              mime_type: string;
              width: number;
              height: number;
              fps: number;
              frames: number;
              duration: number;
              latency_ms: number;
            };
          };
        };
      };
      /** @description Default Response */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
    };
  };
  logs: {
    parameters: {
      query?: {
        /** @description ISO 8601 */
        start_date?: string;
        /** @description ISO 8601 */
        end_date?: string;
        status_code?: string;
        /** @description "True" or "False" (any case) */
        success?: string;
        client_id?: string;
        /** @description e.g. /predict */
        endpoint?: string;
        /** @description 1-1000, default 100 */
        limit?: string;
        /** @description next_cursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description Current time, ISO 8601 or HTTP date (or x-date) */
        date?: string;
        'x-date'?: string;
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Default Response */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            logs: {
              id: number;
              request_id: string;
              timestamp: string;
              request_method: string;
              endpoint: string;
              status_code: number;
              latency_ms: number;
              client_id: string | null;
              success: boolean;
              prediction: string | null;
              confidence: number | null;
              error_message: string | null;
              error_code: string | null;
              key_id: string | null;
              model: string | null;
            }[];
            count: number;
            next_cursor: string | null;
            latency_ms: number;
          };
        };
      };
      /** @description Default Response */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
    };
  };
  metrics: {
    parameters: {
      query?: never;
      header?: {
        /** @description Current time, ISO 8601 or HTTP date (or x-date) */
        date?: string;
        'x-date'?: string;
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text exposition format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description Default Response */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
      /** @description Default Response */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /** @description Stable machine-readable code (see the README error table) */
            code: string;
            request_id?: string;
          };
        };
      };
    };
  };
}
