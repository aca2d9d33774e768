import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { conflictingKey } from './option-sources.js';
import type { UploadTransport } from './request-options.js';

/** An uploaded clip, spooled to a temporary file, with the options that came with it. */
export interface VideoUpload {
  path: string;
  bytes: number;
  /** Options from the JSON body, or from the query string for raw and multipart uploads. */
  options: Record<string, unknown>;
  /** How the clip came (which options make sense beside it). */
  transport: UploadTransport;
  /** Removes the temporary file. */
  dispose(): Promise<void>;
}

/** 413 with the limit in the message (MAX_UPLOAD_MB, in MB of video bytes). */
function tooLarge(maxBytes: number): AppError {
  const mb = Math.round((maxBytes / 1024 / 1024) * 100) / 100;
  return new AppError('payload_too_large', `The upload is larger than the limit of ${mb} MB of video.`);
}

/** Room for multipart boundaries and small option fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;
const DATA_URL_PREFIX = /^data:[^,]{0,200},/;
// Standard and URL-safe alphabets, optional padding; whitespace is stripped first.
const BASE64_BODY = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/**
 * Decodes the seed's base64 content strictly: Node's decoder silently skips bad
 * characters, which would turn garbage into a "video" and a confusing 422.
 */
export function decodeBase64Content(content: string): Buffer {
  let text = content.trimStart();
  const prefix = DATA_URL_PREFIX.exec(text.slice(0, 256));
  if (prefix) {
    if (!/;base64,$/i.test(prefix[0]))
      throw new AppError('bad_base64', 'Only base64 data URLs are supported.');
    text = text.slice(prefix[0].length);
  }
  if (/\s/.test(text)) text = text.replace(/\s+/g, '');
  if (text.length === 0) throw new AppError('missing_video', 'The "content" field is empty.');
  if (text.length % 4 === 1 || !BASE64_BODY.test(text)) throw new AppError('bad_base64');
  return Buffer.from(text, 'base64');
}

/** Writes `source` to `path`, refusing it past `maxBytes` (413); the bytes written. */
async function spool(source: Readable, path: string, maxBytes: number): Promise<number> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLarge(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    // The write stream's default buffer: 1 MiB writes received a 7.5 MB clip 7 ms sooner but
    // raised the service's peak RSS under 4 concurrent uploads by ~20 MB (npm run bench -- service).
    await pipeline(source, limit, createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    if (err instanceof AppError) throw err;
    throw new AppError('invalid_request', 'The upload was interrupted.');
  }
  return bytes;
}

/** Two values of an option agree when they say the same thing (`"duration": 2` and `?duration=2`). */
const sameOption = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a) === JSON.stringify(b) ||
  (typeof a !== 'object' && typeof b !== 'object' && String(a) === String(b));

/**
 * Options may come in the body (JSON fields, form fields) and in the query string; one given
 * both ways must say the same thing, else it is a 400 rather than one of them silently winning.
 * The spooled file is removed on refusal.
 */
async function mergeOptions(
  fromBody: Record<string, unknown>,
  query: Record<string, unknown>,
  path: string,
): Promise<Record<string, unknown>> {
  const key = conflictingKey(fromBody, query, sameOption);
  if (key !== undefined) {
    await rm(path, { force: true });
    throw new AppError(
      'invalid_request',
      `"${key}" is given in the body and in the query string with different values; give it once.`,
    );
  }
  return { ...fromBody, ...query };
}

function isMultipart(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Reads the clip from whichever of the three body forms the client used. */
export async function receiveVideo(
  request: FastifyRequest,
  tmpDir: string,
  maxBytes: number,
): Promise<VideoUpload> {
  const path = join(tmpDir, `${randomUUID()}.upload`);
  const make = (
    bytes: number,
    options: Record<string, unknown>,
    transport: UploadTransport,
  ): VideoUpload => ({
    path,
    bytes,
    options,
    transport,
    dispose: () => rm(path, { force: true }),
  });
  const query = (request.query ?? {}) as Record<string, unknown>;
  const multipartBody = isMultipart(request);

  // A declared size over the limit is refused from the headers, before any of the body is read.
  const declared = Number(request.headers['content-length']);
  if (request.body == null && declared > maxBytes + (multipartBody ? MULTIPART_OVERHEAD : 0))
    throw tooLarge(maxBytes);

  if (multipartBody) {
    // Every part is read, so option fields count wherever they stand (before or after
    // the file, in whatever chunks they arrive) and the body is consumed before the reply.
    const fields: Record<string, unknown> = {};
    let bytes = -1;
    let truncated = false;
    try {
      for await (const part of request.parts({
        limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 4096 },
      })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'video' || bytes >= 0) {
            part.file.resume();
            continue;
          }
          bytes = await spool(part.file, path, maxBytes);
          truncated = part.file.truncated;
        } else if (part.fieldname !== 'video') {
          // A repeated field is kept as a list, for the option checks to refuse as they do a repeated query parameter.
          const earlier = fields[part.fieldname];
          fields[part.fieldname] = earlier === undefined ? part.value : [earlier, part.value].flat();
        }
      }
    } catch (err) {
      await rm(path, { force: true });
      // The parser's own errors (no boundary match, cut-off parts) carry no code: they are the client's malformed body.
      if (
        err instanceof AppError ||
        (typeof (err as { code?: unknown }).code === 'string' &&
          (err as { code: string }).code.startsWith('FST_'))
      )
        throw err;
      throw new AppError('invalid_request', 'The multipart body is malformed.');
    }
    if (truncated) {
      await rm(path, { force: true });
      throw tooLarge(maxBytes);
    }
    if (bytes < 0) throw new AppError('missing_video', 'Send the clip in a multipart field named "video".');
    if (bytes === 0) throw new AppError('missing_video', 'The "video" field is empty.');
    return make(bytes, await mergeOptions(fields, query, path), 'multipart');
  }

  const body = request.body;
  const jsonBody = /^application\/([\w.+-]+\+)?json/i.test(request.headers['content-type'] ?? '');
  if (jsonBody && (body === null || body === undefined))
    throw new AppError('invalid_request', 'The body must be a JSON object.');
  if (body === undefined || body === null) {
    // Raw video body: streamed straight to disk, never held in memory.
    const bytes = await spool(request.raw, path, maxBytes);
    if (bytes === 0) {
      await rm(path, { force: true });
      throw new AppError('missing_video', 'The request body is empty.');
    }
    return make(bytes, query, 'raw');
  }

  if (typeof body !== 'object' || Array.isArray(body))
    throw new AppError('invalid_request', 'The body must be a JSON object.');
  const payload = body as Record<string, unknown>;
  if (payload.encoding !== undefined && String(payload.encoding).toLowerCase() !== 'base64')
    throw new AppError('bad_encoding');
  if (payload.content === undefined || payload.content === null)
    throw new AppError('missing_video', 'The "content" field (base64 video) is required.');
  if (typeof payload.content !== 'string')
    throw new AppError('invalid_request', 'The "content" field must be a base64 string.');
  const data = decodeBase64Content(payload.content);
  if (data.length > maxBytes) throw tooLarge(maxBytes);
  await writeFile(path, data);
  const { content: _content, ...options } = payload;
  return make(data.length, await mergeOptions(options, query, path), 'json');
}
