import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { hashApiKey } from '../store/index.js';
import type { ApiKeyRepository } from '../store/types.js';
import type { Caller } from './request-context.js';
import { checkRequestDate } from './date-header.js';

export interface AuthOptions {
  keys: ApiKeyRepository;
  /** The admin key from API_KEY, if any. */
  envAdminKey: string | undefined;
  maxClockSkewSeconds: number;
  now?: () => Date;
}

const ENV_ADMIN_KEY_ID = 'env-admin';
const MAX_CLIENT_ID_LENGTH = 200;

/** The free-form x-client-id an admin key may record its requests under (the v1 API's behaviour). */
function claimedClientId(header: string | string[] | undefined): string | null {
  const claimed = (Array.isArray(header) ? header[0] : header)?.trim().slice(0, MAX_CLIENT_ID_LENGTH);
  return claimed ? claimed : null;
}

/**
 * Builds the onRequest check for every non-public route: the API key (401 first, as the
 * seed does), then the required date header (400).
 */
export function createAuthHook(options: AuthOptions): (request: FastifyRequest) => Promise<void> {
  const envHash = options.envAdminKey ? Buffer.from(hashApiKey(options.envAdminKey), 'hex') : undefined;
  const now = options.now ?? (() => new Date());

  async function identify(presented: string): Promise<Caller | undefined> {
    const hashHex = hashApiKey(presented);
    // Comparing fixed-length digests in constant time: the env key is a secret we hold in memory.
    if (envHash && timingSafeEqual(envHash, Buffer.from(hashHex, 'hex'))) {
      return { keyId: ENV_ADMIN_KEY_ID, role: 'admin', boundClientId: null };
    }
    const record = await options.keys.findActiveByHash(hashHex);
    if (!record) return undefined;
    return {
      keyId: record.id,
      role: record.role,
      boundClientId: record.role === 'client' ? record.client_id : null,
    };
  }

  return async function authenticate(request: FastifyRequest): Promise<void> {
    // Nobody is anybody until a key says so: a request without a valid key (and one to a public
    // route) is logged with no client id, so that it cannot show up in a client's own log view.
    request.clientId = null;
    if (request.routeOptions.config?.public || request.routeOptions.url === undefined) return;

    const raw = request.headers['x-api-key'];
    const presented = Array.isArray(raw) ? raw[0] : raw;
    const caller = presented && presented.length <= 512 ? await identify(presented) : undefined;
    if (!caller) throw new AppError('unauthorized', 'Unauthorized');
    request.caller = caller;
    request.clientId = caller.boundClientId ?? claimedClientId(request.headers['x-client-id']);

    checkRequestDate(request.headers, now(), options.maxClockSkewSeconds);
  };
}
