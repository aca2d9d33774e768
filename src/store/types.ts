/** One row of the request log: the seed's fields plus our own. */
export interface RequestLogEntry {
  request_id: string;
  /** ISO 8601 UTC, millisecond precision. */
  timestamp: string;
  request_method: string;
  /** Route path without the query string, e.g. "/predict"; unknown paths as sent (truncated). */
  endpoint: string;
  status_code: number;
  latency_ms: number;
  client_id: string | null;
  success: boolean;
  prediction: string | null;
  confidence: number | null;
  error_message: string | null;
  error_code: string | null;
  /** Id of the API key used (never the key itself); null when unauthenticated. */
  key_id: string | null;
  model: string | null;
}

export interface LogFilter {
  start_date?: Date;
  end_date?: Date;
  status_code?: number;
  success?: boolean;
  client_id?: string;
  endpoint?: string;
  /** 1-1000, default 100. */
  limit: number;
  /** Opaque cursor from a previous page's next_cursor. */
  cursor?: string;
}

export interface LogPage {
  logs: (RequestLogEntry & { id: number })[];
  next_cursor: string | null;
}

export interface RequestLogRepository {
  /** Must be durable when it resolves: a request is answered only after its entry is written. */
  insert(entry: RequestLogEntry): Promise<void>;
  query(filter: LogFilter): Promise<LogPage>;
  close(): Promise<void>;
}

export type KeyRole = 'admin' | 'client';

export interface ApiKeyRecord {
  id: string;
  role: KeyRole;
  /** For client keys, the client id their requests are logged under. */
  client_id: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ApiKeyRepository {
  /** Creates a key, stores only its SHA-256 hash, returns the plaintext once. */
  create(input: { role: KeyRole; client_id: string | null; label?: string | null }): Promise<{
    record: ApiKeyRecord;
    key: string;
  }>;
  /** Active (non-revoked) key by the SHA-256 hex of its plaintext. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(id: string): Promise<boolean>;
  countActiveAdmins(): Promise<number>;
  /**
   * Atomically: when no active admin key exists, creates one and returns it;
   * otherwise returns undefined. Safe when several nodes start at once.
   */
  createAdminIfNone(label?: string | null): Promise<{ record: ApiKeyRecord; key: string } | undefined>;
}

export interface Store {
  /** Which backend openStore chose. */
  readonly kind: 'sqlite' | 'postgres';
  logs: RequestLogRepository;
  keys: ApiKeyRepository;
  /** Cheap round trip to the database, for readiness checks. Rejects when unreachable. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
