import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { RequestLogRepository } from '../../store/types.js';
import { parseLogFilter } from '../log-filter.js';
import { errorResponses, LogsQuery, LogsResponse, securedHeaders } from '../schemas.js';

/** GET /logs: the seed's filters from a JSON body (even on GET) or the query string. */
export async function logsRoutes(
  app: FastifyInstance,
  options: { logs: RequestLogRepository },
): Promise<void> {
  app.get(
    '/logs',
    {
      schema: {
        operationId: 'logs',
        summary: 'Read the request log, newest first',
        description:
          "Filters as query parameters or, as the v1 API did, as a JSON body on GET. A client key sees only the entries of requests made with its client's keys.",
        headers: securedHeaders,
        querystring: LogsQuery,
        response: { 200: LogsResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const filter = parseLogFilter(request.body, request.query as Record<string, unknown>);
      const caller = request.caller!;
      if (caller.role !== 'admin') {
        // A client key reads only its own client's entries, whatever it asks for.
        if (filter.client_id !== undefined && filter.client_id !== caller.boundClientId) {
          return { logs: [], count: 0, next_cursor: null, latency_ms: Math.round(reply.elapsedTime) };
        }
        filter.client_id = caller.boundClientId ?? '\u0000no-client';
        filter.made_by_client = filter.client_id;
      }
      let page;
      try {
        page = await options.logs.query(filter);
      } catch (err) {
        if (err instanceof Error && err.name === 'InvalidCursorError')
          throw new AppError('invalid_filter', 'The cursor is invalid.');
        throw err;
      }
      return {
        logs: page.logs,
        count: page.logs.length,
        next_cursor: page.next_cursor,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      };
    },
  );
}
