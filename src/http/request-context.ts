import type { ApiKeyRecord } from '../store/types.js';

/** Who is calling, after the API key check. */
export interface Caller {
  keyId: string;
  role: ApiKeyRecord['role'];
  /** Bound client id of a client key; such a caller cannot log under another id. */
  boundClientId: string | null;
}

/** What a handler wants recorded in the request log beyond the basics. */
export interface LogExtras {
  prediction?: string | null;
  confidence?: number | null;
  model?: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    /** The client id recorded in the log: the key's own, else the x-client-id header. */
    clientId: string | null;
    logExtras: LogExtras;
    errorInfo?: { code: string; message: string };
  }
  interface FastifyContextConfig {
    /** Served without an API key or date header (health, readiness, docs, demo). */
    public?: boolean;
  }
}
