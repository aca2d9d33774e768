import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactApiKeys } from '../store/api-key-hash.js';
import type { RequestLogRepository } from '../store/types.js';

const MAX_ENDPOINT_LENGTH = 200;

function endpointOf(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '/';
  return redactApiKeys(path.slice(0, MAX_ENDPOINT_LENGTH));
}

/**
 * Writes the request's log entry before its response leaves: a client that got an
 * answer can rely on the entry existing, even if the process is killed right after.
 */
export function createRequestLogHook(logs: RequestLogRepository) {
  return async function recordRequest(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const status = reply.statusCode;
    const latency = Math.round(reply.elapsedTime * 100) / 100;
    try {
      await logs.insert({
        request_id: request.id,
        timestamp: new Date(Date.now() - reply.elapsedTime).toISOString(),
        request_method: request.method.slice(0, 16),
        endpoint: endpointOf(request),
        status_code: status,
        latency_ms: latency,
        client_id: request.clientId,
        success: status < 400,
        prediction: request.logExtras.prediction ?? null,
        confidence: request.logExtras.confidence ?? null,
        error_message: request.errorInfo ? redactApiKeys(request.errorInfo.message) : null,
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
