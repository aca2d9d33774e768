import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_TABLE, type ErrorCode } from '../errors.js';

/** Maps framework and plugin errors we expect onto our error table. */
function classify(err: FastifyError): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err.validation) {
    const first = err.validation[0];
    const where = first?.instancePath
      ? first.instancePath.slice(1).replace(/\//g, '.')
      : (err.validationContext ?? 'body');
    const message = first?.message ? `"${where}" ${first.message}` : err.message;
    return new AppError('invalid_request', `Invalid request: ${message}.`);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(
        'unsupported_media_type',
        'Unsupported Content-Type: send application/json (base64), video/*, image/* (a photo), application/octet-stream or multipart/form-data.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_json', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('bad_json');
    default:
      break;
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message)))
    return new AppError('bad_json');
  if (err.statusCode === 413) return new AppError('payload_too_large');
  if (err.statusCode === 415) return new AppError('unsupported_media_type');
  if (err.statusCode === 429) return new AppError('rate_limited');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError('invalid_request', `Invalid request: ${err.message}`);
  }
  return undefined;
}

/** The one place errors become responses: `{error, code}`, never a stack trace. */
export async function replyWithError(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const known = classify(err);
  if (known) {
    request.errorInfo = { code: known.code, message: known.message };
    for (const [name, value] of Object.entries(known.headers)) void reply.header(name, value);
    await reply.code(known.status).send({ error: known.message, code: known.code });
    return;
  }
  request.log.error({ err }, 'unhandled error');
  const message = `Internal server error (request id ${request.id}).`;
  request.errorInfo = { code: 'internal', message: err.message.slice(0, 500) };
  await reply.code(500).send({ error: message, code: 'internal', request_id: request.id });
}

/** Sends a table error directly (used by hooks). */
export function appError(code: ErrorCode, message?: string): AppError {
  return new AppError(code, message ?? ERROR_TABLE[code].message);
}
