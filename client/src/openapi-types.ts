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
     * Predict the emotion shown in a clip or a still photo
     * @description Body: the v1 API JSON payload (base64), or the raw video (video/*, application/octet-stream), or multipart/form-data with a "video" field. A still photo (JPEG, PNG, WebP, HEIC) goes the same ways (raw: image/*) and is scored as a one-frame input: frames_analyzed 1, one timeline point at t=0, peak_t 0.
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
     * @description Options come in the JSON body, or as query parameters for raw and multipart uploads. With Accept: video/mp4, image/webp or image/gif /thumbnail answers with the raw file (and, without output_format, in that format); an Accept that allows neither that nor JSON is 406. A still photo is refused (422 still_image): send it to /predict or /analyze.
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
     * @description Options come in the JSON body, or as query parameters for raw and multipart uploads. A still photo (JPEG, PNG, WebP, HEIC; raw: image/*) is scored as a one-frame input and its cover is the photo itself, cropped and scaled as asked, as a still image: JPEG for output_format mp4 (the default), else a still WebP or GIF (frames 1, fps 0, duration 0).
     */
    post: operations['analyze'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/predict': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Queue a /predict job; poll GET /jobs/<id> or receive a signed webhook
     * @description Takes exactly the bodies and options of POST /predict, plus an optional callback_url (JSON field or query parameter) and an Idempotency-Key header (bound to the request it was first used with: the same key with another endpoint, other options or other bytes is 422 idempotency_key_reused). Answers 202 with the job id and a Location header.
     */
    post: operations['submitPredictJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/thumbnail': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Queue a /thumbnail job; poll GET /jobs/<id> or receive a signed webhook
     * @description Takes exactly the bodies and options of POST /thumbnail, plus an optional callback_url (JSON field or query parameter) and an Idempotency-Key header (bound to the request it was first used with: the same key with another endpoint, other options or other bytes is 422 idempotency_key_reused). Answers 202 with the job id and a Location header.
     */
    post: operations['submitThumbnailJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/analyze': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Queue a /analyze job; poll GET /jobs/<id> or receive a signed webhook
     * @description Takes exactly the bodies and options of POST /analyze, plus an optional callback_url (JSON field or query parameter) and an Idempotency-Key header (bound to the request it was first used with: the same key with another endpoint, other options or other bytes is 422 idempotency_key_reused). Answers 202 with the job id and a Location header.
     */
    post: operations['submitAnalyzeJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A job's state and, once it has ended, the sync endpoint's body or its error */
    get: operations['getJob'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/feedback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Correct an answer given for a subject: the subject's later answers learn from it
     * @description request_id is the x-request-id of a /predict or /analyze answer (of a job: of its POST /jobs/...) asked with a subject_id. A second correction of the same answer replaces the first. Answers the subject as stored now.
     */
    post: operations['feedback'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/subjects/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What is stored for a subject: numbers only (corrections, the learnt bias) */
    get: operations['getSubject'];
    put?: never;
    post?: never;
    /**
     * Erase a subject: its corrections, its bias and its kept answers' numbers
     * @description The subject's later answers are exactly the uncorrected ones again.
     */
    delete: operations['deleteSubject'];
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
     * @description Filters as query parameters or, as the v1 API did, as a JSON body on GET. A client key sees only the entries of requests made with its client's keys.
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
      query?: {
        /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
        subject_id?: string;
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
          fps?: number;
          /** @description The video, base64, optionally with a data: URL prefix */
          content: string;
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
        };
        'video/*': string;
        'image/jpeg': string;
        'image/png': string;
        'image/webp': string;
        'image/heic': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
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
            /** @description Probability of `emotion`, calibrated on people held out of the fit: of the answers given with confidence 0.7, about 70 % are right */
            confidence: number;
            /** @description True when confidence is below 0.5: the label is kept, but an app should not show it as a fact (e.g. show "mixed feelings") */
            uncertain: boolean;
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
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_acceptable: The Accept header allows none of the types this endpoint answers with. */
      406: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_acceptable';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  thumbnail: {
    parameters: {
      query?: {
        /** @description Seconds of output, 0.1-10 (default 3) */
        duration?: number;
        /** @description Default mp4 */
        output_format?: 'mp4' | 'webp' | 'gif';
        /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
        max_size?: 0 | number;
        /** @description Default none (face on /analyze) */
        crop?: 'none' | 'square' | 'face';
        /** @description Default whole (peak on /analyze) */
        anchor?: 'whole' | 'peak';
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
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
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
        };
        'video/*': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
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
            /** @description The boomerang file, base64 (of a photo: the still cover, cropped as asked) */
            thumbnail: string;
            /** @description mp4, webp or gif; a photo's cover is a still: jpeg (for output_format mp4, the default), webp or gif */
            format: string;
            mime_type: string;
            width: number;
            height: number;
            /** @description 10 for a boomerang; 0 for a photo's still cover */
            fps: number;
            /** @description 2N-1 for a boomerang of N frames; 1 for a photo's still cover */
            frames: number;
            /** @description Seconds; 0 for a photo's still cover */
            duration: number;
            latency_ms: number;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_acceptable: The Accept header allows none of the types this endpoint answers with. */
      406: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_acceptable';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  analyze: {
    parameters: {
      query?: {
        /** @description Seconds of output, 0.1-10 (default 3) */
        duration?: number;
        /** @description Default mp4 */
        output_format?: 'mp4' | 'webp' | 'gif';
        /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
        max_size?: 0 | number;
        /** @description Default none (face on /analyze) */
        crop?: 'none' | 'square' | 'face';
        /** @description Default whole (peak on /analyze) */
        anchor?: 'whole' | 'peak';
        /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
        subject_id?: string;
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
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
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
          thumbnail?: {
            /** @description Seconds of output, 0.1-10 (default 3) */
            duration?: number;
            /**
             * @description Default mp4
             * @enum {string}
             */
            output_format?: 'mp4' | 'webp' | 'gif';
            /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
            max_size?: 0 | number;
            /**
             * @description Default none (face on /analyze)
             * @enum {string}
             */
            crop?: 'none' | 'square' | 'face';
            /**
             * @description Default whole (peak on /analyze)
             * @enum {string}
             */
            anchor?: 'whole' | 'peak';
          };
        };
        'video/*': string;
        'image/jpeg': string;
        'image/png': string;
        'image/webp': string;
        'image/heic': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
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
            /** @description Probability of `emotion`, calibrated on people held out of the fit: of the answers given with confidence 0.7, about 70 % are right */
            confidence: number;
            /** @description True when confidence is below 0.5: the label is kept, but an app should not show it as a fact (e.g. show "mixed feelings") */
            uncertain: boolean;
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
              /** @description The boomerang file, base64 (of a photo: the still cover, cropped as asked) */
              thumbnail: string;
              /** @description mp4, webp or gif; a photo's cover is a still: jpeg (for output_format mp4, the default), webp or gif */
              format: string;
              mime_type: string;
              width: number;
              height: number;
              /** @description 10 for a boomerang; 0 for a photo's still cover */
              fps: number;
              /** @description 2N-1 for a boomerang of N frames; 1 for a photo's still cover */
              frames: number;
              /** @description Seconds; 0 for a photo's still cover */
              duration: number;
              latency_ms: number;
            };
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_acceptable: The Accept header allows none of the types this endpoint answers with. */
      406: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_acceptable';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  submitPredictJob: {
    parameters: {
      query?: {
        /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
        subject_id?: string;
        /** @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address. */
        callback_url?: string;
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
        /** @description Up to 200 printable ASCII characters. The same key from the same client within the job TTL returns the first job (same job_id) and queues nothing. */
        'idempotency-key'?: string;
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
          fps?: number;
          /** @description The video, base64, optionally with a data: URL prefix */
          content: string;
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
        };
        'video/*': string;
        'image/jpeg': string;
        'image/png': string;
        'image/webp': string;
        'image/heic': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
        };
      };
    };
    responses: {
      /** @description The job; a webhook receives exactly this document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            task: 'predict' | 'thumbnail' | 'analyze';
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description ISO 8601 */
            created_at: string;
            finished_at: string | null;
            /** @description The sync endpoint's 200 body once succeeded, else null */
            result: {
              [key: string]: unknown;
            } | null;
            /** @description The error the sync endpoint would have answered, once failed, else null */
            error: {
              error: string;
              code: string;
            } | null;
            status_url: string;
          };
        };
      };
      /** @description Accepted (or, with a known Idempotency-Key, the first job, still unfinished) */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description Relative URL to poll: /jobs/<id> (also the Location header) */
            status_url: string;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  submitThumbnailJob: {
    parameters: {
      query?: {
        /** @description Seconds of output, 0.1-10 (default 3) */
        duration?: number;
        /** @description Default mp4 */
        output_format?: 'mp4' | 'webp' | 'gif';
        /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
        max_size?: 0 | number;
        /** @description Default none (face on /analyze) */
        crop?: 'none' | 'square' | 'face';
        /** @description Default whole (peak on /analyze) */
        anchor?: 'whole' | 'peak';
        /** @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address. */
        callback_url?: string;
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
        /** @description Up to 200 printable ASCII characters. The same key from the same client within the job TTL returns the first job (same job_id) and queues nothing. */
        'idempotency-key'?: string;
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
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
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
        };
        'video/*': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
        };
      };
    };
    responses: {
      /** @description The job; a webhook receives exactly this document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            task: 'predict' | 'thumbnail' | 'analyze';
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description ISO 8601 */
            created_at: string;
            finished_at: string | null;
            /** @description The sync endpoint's 200 body once succeeded, else null */
            result: {
              [key: string]: unknown;
            } | null;
            /** @description The error the sync endpoint would have answered, once failed, else null */
            error: {
              error: string;
              code: string;
            } | null;
            status_url: string;
          };
        };
      };
      /** @description Accepted (or, with a known Idempotency-Key, the first job, still unfinished) */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description Relative URL to poll: /jobs/<id> (also the Location header) */
            status_url: string;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  submitAnalyzeJob: {
    parameters: {
      query?: {
        /** @description Seconds of output, 0.1-10 (default 3) */
        duration?: number;
        /** @description Default mp4 */
        output_format?: 'mp4' | 'webp' | 'gif';
        /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
        max_size?: 0 | number;
        /** @description Default none (face on /analyze) */
        crop?: 'none' | 'square' | 'face';
        /** @description Default whole (peak on /analyze) */
        anchor?: 'whole' | 'peak';
        /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
        subject_id?: string;
        /** @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address. */
        callback_url?: string;
      };
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
        /** @description Up to 200 printable ASCII characters. The same key from the same client within the job TTL returns the first job (same job_id) and queues nothing. */
        'idempotency-key'?: string;
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
          /** @description Container hint (mp4, mov, webm, or for a photo jpg, png, webp...); the bytes are probed */
          format?: string;
          /** @description Hint only (the clip is probed) */
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
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
          thumbnail?: {
            /** @description Seconds of output, 0.1-10 (default 3) */
            duration?: number;
            /**
             * @description Default mp4
             * @enum {string}
             */
            output_format?: 'mp4' | 'webp' | 'gif';
            /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
            max_size?: 0 | number;
            /**
             * @description Default none (face on /analyze)
             * @enum {string}
             */
            crop?: 'none' | 'square' | 'face';
            /**
             * @description Default whole (peak on /analyze)
             * @enum {string}
             */
            anchor?: 'whole' | 'peak';
          };
        };
        'video/*': string;
        'image/jpeg': string;
        'image/png': string;
        'image/webp': string;
        'image/heic': string;
        'application/octet-stream': string;
        'multipart/form-data': {
          /**
           * Format: binary
           * @description The video file
           */
          video: string;
          /** @description Seconds of output, 0.1-10 (default 3) */
          duration?: number;
          /**
           * @description Default mp4
           * @enum {string}
           */
          output_format?: 'mp4' | 'webp' | 'gif';
          /** @description Long side in pixels, 16-4096 (default 480, 320 for GIF; 0 keeps the source size) */
          max_size?: 0 | number;
          /**
           * @description Default none (face on /analyze)
           * @enum {string}
           */
          crop?: 'none' | 'square' | 'face';
          /**
           * @description Default whole (peak on /analyze)
           * @enum {string}
           */
          anchor?: 'whole' | 'peak';
          /** @description Who is in the clip: an opaque id your app chooses (1-200 printable ASCII characters), scoped to your client. Answers for it learn from POST /feedback corrections of its earlier answers; without it an answer never changes. */
          subject_id?: string;
          /**
           * Format: uri
           * @description http(s) URL to POST the finished job to (signed: x-signature: sha256=<HMAC-SHA256 of the body>). Refused (400 bad_callback_url) when it resolves to a loopback, private, link-local or metadata address.
           */
          callback_url?: string;
        };
      };
    };
    responses: {
      /** @description The job; a webhook receives exactly this document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            task: 'predict' | 'thumbnail' | 'analyze';
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description ISO 8601 */
            created_at: string;
            finished_at: string | null;
            /** @description The sync endpoint's 200 body once succeeded, else null */
            result: {
              [key: string]: unknown;
            } | null;
            /** @description The error the sync endpoint would have answered, once failed, else null */
            error: {
              error: string;
              code: string;
            } | null;
            status_url: string;
          };
        };
      };
      /** @description Accepted (or, with a known Idempotency-Key, the first job, still unfinished) */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description Relative URL to poll: /jobs/<id> (also the Location header) */
            status_url: string;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description payload_too_large: The upload is larger than the configured limit. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'payload_too_large';
            request_id?: string;
          };
        };
      };
      /** @description unsupported_media_type: Unsupported Content-Type. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unsupported_media_type';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
      /** @description overloaded: The server is busy; retry shortly. | not_ready: The service is starting; retry shortly. | worker_lost: The workers running this job were lost as many times as JOB_ATTEMPTS allows; resubmit it. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'overloaded' | 'not_ready' | 'worker_lost';
            request_id?: string;
          };
        };
      };
    };
  };
  getJob: {
    parameters: {
      query?: never;
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
      };
      path: {
        /** @description The job_id from the 202 */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job; a webhook receives exactly this document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            job_id: string;
            task: 'predict' | 'thumbnail' | 'analyze';
            /** @description queued, running, succeeded or failed */
            status: 'queued' | 'running' | 'succeeded' | 'failed';
            /** @description ISO 8601 */
            created_at: string;
            finished_at: string | null;
            /** @description The sync endpoint's 200 body once succeeded, else null */
            result: {
              [key: string]: unknown;
            } | null;
            /** @description The error the sync endpoint would have answered, once failed, else null */
            error: {
              error: string;
              code: string;
            } | null;
            status_url: string;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_found: No such endpoint. | job_not_found: No such job (or it has expired). | request_not_found: No answer of yours has this request id. | subject_not_found: Nothing is stored for this subject. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_found' | 'job_not_found' | 'request_not_found' | 'subject_not_found';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
    };
  };
  feedback: {
    parameters: {
      query?: never;
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description The x-request-id of the answer being corrected (asked with a subject_id) */
          request_id: string;
          /**
           * @description What it really was: one of Anger, Happy, Shock, Neutral, Sad (any case)
           * @example Sad
           */
          emotion: string;
        } & {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description What is stored for the subject: numbers only, never images */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            subject_id: string;
            /** @description Answers of this subject corrected so far */
            corrections: number;
            /** @description Answers kept for it (as numbers), corrected or not */
            answers: number;
            /** @description Added to the log probabilities of the subject's answers: the corrections' bias less the subject's baseline lean (the mean lean of its kept answers), as fitted at the latest correction (0 before any) */
            bias: {
              Anger: number;
              Happy: number;
              Shock: number;
              Neutral: number;
              Sad: number;
            };
            /** @description When the bias was last refitted (ISO 8601), null before any correction */
            updated_at: string | null;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_found: No such endpoint. | job_not_found: No such job (or it has expired). | request_not_found: No answer of yours has this request id. | subject_not_found: Nothing is stored for this subject. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_found' | 'job_not_found' | 'request_not_found' | 'subject_not_found';
            request_id?: string;
          };
        };
      };
      /** @description not_a_video: The upload is not a decodable video. | no_video_stream: The file has no video stream. | too_few_frames: The video has fewer than 15 frames. | video_too_long: The video is longer than the configured limit. | too_many_pixels: The video frame size exceeds the configured limit. | decode_failed: The video could not be decoded. | processing_timeout: The video took too long to process. | thumbnail_too_large: The thumbnail would be larger than the configured limit. | no_face: No face was found in any analysed frame. | idempotency_key_reused: This Idempotency-Key was first used for a different request. | no_subject: That answer has no subject to learn for: it was given without a subject_id, or its subject was erased. | still_image: The upload is a still photo: a boomerang thumbnail needs a video. Send photos to /predict or /analyze (whose cover is the face-cropped photo). | truncated_image: The image is cut off or damaged: send the whole file. | unsupported_image: This kind of image cannot be read yet (a HEIC stored as a grid of tiles): send it as JPEG. */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'not_a_video'
              | 'no_video_stream'
              | 'too_few_frames'
              | 'video_too_long'
              | 'too_many_pixels'
              | 'decode_failed'
              | 'processing_timeout'
              | 'thumbnail_too_large'
              | 'no_face'
              | 'idempotency_key_reused'
              | 'no_subject'
              | 'still_image'
              | 'truncated_image'
              | 'unsupported_image';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
    };
  };
  getSubject: {
    parameters: {
      query?: never;
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
      };
      path: {
        /** @description The subject_id the answers were asked with */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What is stored for the subject: numbers only, never images */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            subject_id: string;
            /** @description Answers of this subject corrected so far */
            corrections: number;
            /** @description Answers kept for it (as numbers), corrected or not */
            answers: number;
            /** @description Added to the log probabilities of the subject's answers: the corrections' bias less the subject's baseline lean (the mean lean of its kept answers), as fitted at the latest correction (0 before any) */
            bias: {
              Anger: number;
              Happy: number;
              Shock: number;
              Neutral: number;
              Sad: number;
            };
            /** @description When the bias was last refitted (ISO 8601), null before any correction */
            updated_at: string | null;
          };
        };
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_found: No such endpoint. | job_not_found: No such job (or it has expired). | request_not_found: No answer of yours has this request id. | subject_not_found: Nothing is stored for this subject. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_found' | 'job_not_found' | 'request_not_found' | 'subject_not_found';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
            request_id?: string;
          };
        };
      };
    };
  };
  deleteSubject: {
    parameters: {
      query?: never;
      header?: {
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
        'x-client-id'?: string;
      };
      path: {
        /** @description The subject_id the answers were asked with */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Erased */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description not_found: No such endpoint. | job_not_found: No such job (or it has expired). | request_not_found: No answer of yours has this request id. | subject_not_found: Nothing is stored for this subject. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'not_found' | 'job_not_found' | 'request_not_found' | 'subject_not_found';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
            request_id?: string;
          };
        };
      };
      /** @description internal: Internal server error. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'internal';
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
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
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
      /** @description bad_json: The request body is not valid JSON. | invalid_request: The request is invalid. | missing_video: No video was sent: use "content" (base64), a raw body or a "video" form field. | bad_encoding: Only "encoding": "base64" is supported. | bad_base64: The "content" field is not valid base64. | missing_date: The "date" (or "x-date") header is required (ISO 8601 or HTTP date). | bad_date: The "date" header could not be parsed; use ISO 8601, an HTTP date or RFC 2822. | clock_skew: The "date" header is too far from the server clock. | invalid_duration: Duration must be between 0.1 and 10 seconds. | invalid_filter: A log filter is invalid. | bad_callback_url: callback_url must be an http(s) URL that resolves to a public address (and WEBHOOK_SECRET must be set). | bad_idempotency_key: The Idempotency-Key header must be 1-200 printable ASCII characters. | invalid_subject_id: subject_id must be 1-200 printable ASCII characters (no spaces). | invalid_emotion: emotion must be one of Anger, Happy, Shock, Neutral, Sad (any case). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code:
              | 'bad_json'
              | 'invalid_request'
              | 'missing_video'
              | 'bad_encoding'
              | 'bad_base64'
              | 'missing_date'
              | 'bad_date'
              | 'clock_skew'
              | 'invalid_duration'
              | 'invalid_filter'
              | 'bad_callback_url'
              | 'bad_idempotency_key'
              | 'invalid_subject_id'
              | 'invalid_emotion';
            request_id?: string;
          };
        };
      };
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description rate_limited: Too many requests; slow down. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'rate_limited';
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
        /** @description The current time, ISO 8601 (2025-08-16T12:34:56Z) an HTTP date or RFC 2822 (what `date -u -R` prints), as the v1 API requires; within MAX_CLOCK_SKEW_SECONDS of the server clock. Servers and scripts send this one. */
        date?: string;
        /** @description The same as `date`, for browsers (which cannot set `Date`, and so neither can /docs): send one of the two; `x-date` wins when both are sent. */
        'x-date'?: string;
        /** @description A client id recorded in the request log. With a per-client key the key's own client id is used instead. */
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
      /** @description unauthorized: Unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'unauthorized';
            request_id?: string;
          };
        };
      };
      /** @description forbidden: An admin key is needed for this endpoint. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description What went wrong, for a person */
            error: string;
            /**
             * @description Stable machine-readable code
             * @enum {string}
             */
            code: 'forbidden';
            request_id?: string;
          };
        };
      };
    };
  };
}
