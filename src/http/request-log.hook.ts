import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactApiKeys } from '../store/index.js';
import type { RequestLogRepository } from '../store/types.js';

const MAX_ENDPOINT_LENGTH = 200;

/**
 * Removes issued keys and the configured environment key from text a client chose
 * (a URL, an error message quoting it): a key pasted into a path must not be logged.
 */
export function createKeyRedactor(envKey: string | undefined | null): (text: string) => string {
  // A very short key would blank out ordinary text; such keys are refused by config anyway.
  const secret = envKey && envKey.length >= 8 ? envKey : undefined;
  return (text) => redactApiKeys(secret ? text.split(secret).join('[redacted]') : text);
}

function endpointOf(request: FastifyRequest, redact: (text: string) => string): string {
  const path = request.url.split('?', 1)[0] ?? '/';
  return redact(path.slice(0, MAX_ENDPOINT_LENGTH));
}

/**
 * Writes the request's log entry before its response leaves: a client that got an
 * answer can rely on the entry existing, even if the process is killed right after.
 */
export function createRequestLogHook(
  logs: RequestLogRepository,
  redact: (text: string) => string = redactApiKeys,
) {
  return async function recordRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> {
    const status = reply.statusCode;
    const latency = Math.round(reply.elapsedTime * 100) / 100;
    try {
      await logs.insert({
        request_id: request.id,
        timestamp: new Date(Date.now() - reply.elapsedTime).toISOString(),
        request_method: request.method.slice(0, 16),
        endpoint: endpointOf(request, redact),
        status_code: status,
        latency_ms: latency,
        client_id: request.clientId,
        success: status < 400,
        prediction: request.logExtras.prediction ?? null,
        confidence: request.logExtras.confidence ?? null,
        error_message: request.errorInfo ? redact(request.errorInfo.message) : null,
        error_code: request.errorInfo?.code ?? null,
        key_id: request.caller?.keyId ?? null,
        model: request.logExtras.model ?? null,
      });
    } catch (err) {
      // The client still gets its answer; the failure is loud in the service log.
      request.log.error({ err }, 'could not write the request log entry');
    }
    return payload;
  };
}

/**
 * Requests Node's HTTP parser refuses (malformed, absurd headers) never reach a route:
 * answer them in our JSON shape and still record them.
 */
export function createClientErrorHandler(logs: RequestLogRepository) {
  return function onClientError(err: Error & { code?: string }, socket: Socket): void {
    if (!socket.writable) return;
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? 'headers_too_large' : 'invalid_request';
    const message = tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP.';
    const body = JSON.stringify({ error: message, code });
    const requestId = randomUUID();
    const respond = (): void => {
      socket.end(
        `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    logs
      .insert({
        request_id: requestId,
        timestamp: new Date().toISOString(),
        request_method: '-',
        endpoint: '(unparsable request)',
        status_code: status,
        latency_ms: 0,
        client_id: null,
        success: false,
        prediction: null,
        confidence: null,
        error_message: message,
        error_code: code,
        key_id: null,
        model: null,
      })
      .catch(() => undefined)
      .finally(respond);
  };
}
