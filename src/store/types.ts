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
  /**
   * Only entries of requests made with a client key of this client id (a client key's own view):
   * an admin key's request recorded under the same x-client-id is not the client's.
   */
  made_by_client?: string;
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
  jobs: JobRepository;
  /** What answers for a subject keep, the corrections and each subject's learnt bias. */
  subjects: SubjectRepository;
  /** Cheap round trip to the database, for readiness checks. Rejects when unreachable. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export type JobTask = 'predict' | 'thumbnail' | 'analyze';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed'];

/** An async job as the store keeps it (timestamps ISO 8601 UTC). */
export interface JobRecord {
  id: string;
  task: JobTask;
  status: JobStatus;
  /** Whose job it is: `client:<id>` for a client key, `admin` for admin keys. Access and idempotency are scoped by it. */
  owner: string;
  client_id: string | null;
  key_id: string | null;
  /** The HTTP request that created it. */
  request_id: string | null;
  idempotency_key: string | null;
  /** With an idempotency key: a digest of the request it was first used with (task, options, upload). */
  request_fingerprint: string | null;
  callback_url: string | null;
  /** The `subject_id` it was submitted with (its answer is adjusted for that person). */
  subject_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** After this the job is gone (404) and may be deleted. */
  expires_at: string;
  /** Times a worker started it. */
  attempts: number;
  /** The sync endpoint's 200 body, once succeeded. */
  result: unknown;
  error: { error: string; code: string } | null;
}

export interface NewJob {
  id: string;
  task: JobTask;
  owner: string;
  client_id: string | null;
  key_id: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  callback_url: string | null;
  subject_id?: string | null;
  created_at: string;
  expires_at: string;
}

export type JobOutcome =
  { status: 'succeeded'; result: unknown } | { status: 'failed'; error: { error: string; code: string } };

export interface WebhookDelivery {
  job_id: string;
  attempt: number;
  url: string;
  /** HTTP status received; null when no answer (refused, timed out, blocked). */
  status_code: number | null;
  ok: boolean;
  error: string | null;
  delivered_at: string;
}

export interface JobRepository {
  /**
   * Creates the job, or, when the owner already has an unexpired job with the same
   * idempotency key, returns that one (`created: false`). Atomic across processes and nodes.
   */
  create(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  /** The job unless it has expired. */
  get(id: string, now?: Date): Promise<JobRecord | undefined>;
  /** queued/running -> running; counts the attempt. False when the job has already ended. */
  markRunning(id: string, at: Date): Promise<boolean>;
  /** Ends the job once: false when it had already ended (a duplicate completion). */
  finish(id: string, outcome: JobOutcome, at: Date): Promise<boolean>;
  /** Unexpired jobs by status. */
  countByStatus(now?: Date): Promise<Record<JobStatus, number>>;
  /**
   * Unexpired queued or running jobs created before `before`, oldest first, at most `limit`:
   * the ids the cluster checks against its queue (see `LostJobSweeper`).
   */
  unfinishedBefore(before: Date, limit: number, now?: Date): Promise<string[]>;
  /** Fails every queued or running job (a single-process restart: nothing will finish them). */
  failUnfinished(error: { error: string; code: string }, at: Date): Promise<number>;
  /** Removes a job that could not be queued (so that its idempotency key is free again). */
  discard(id: string): Promise<void>;
  /** Deletes expired jobs and their deliveries; returns how many jobs. */
  deleteExpired(now: Date): Promise<number>;
  recordDelivery(delivery: WebhookDelivery): Promise<void>;
  deliveries(jobId: string): Promise<WebhookDelivery[]>;
}

/**
 * One answer given for a subject: what a later correction of it is learnt from. Numbers only:
 * the log of the uncorrected answer's five probabilities (EMOTIONS5 order), never an image.
 */
export interface SubjectAnswer {
  /** The x-request-id of the answer (for a job: of its POST /jobs/...). */
  request_id: string;
  /** The caller's scope: `client:<id>` for a client key, `admin` for admin keys. */
  scope: string;
  subject_id: string;
  logits: number[];
  created_at: string;
  /** The emotion the person said it was (null until corrected). */
  corrected: string | null;
}

/** A subject as stored: its corrections count and learnt bias (numbers only). */
export interface SubjectState {
  scope: string;
  subject_id: string;
  /** Answers kept for it (corrected or not). */
  answers: number;
  corrections: number;
  /**
   * Added to the log probabilities of its answers, EMOTIONS5 order, as fitted at its latest
   * correction (each answer refits it with the answers since); zeros before any correction.
   */
  bias: number[];
  /** When the bias was last refitted (null before any correction). */
  updated_at: string | null;
}

/** A corrected answer as the refit sees it. */
export interface SubjectCorrection {
  logits: number[];
  emotion: string;
}

/** A correction to record: the answer (`request_id`) of a client's (`scope`) subject was `emotion`. */
export interface SubjectCorrectionInput {
  scope: string;
  subject_id: string;
  request_id: string;
  emotion: string;
  at: Date;
  /** How many of the subject's latest answers the refit reads. */
  limit: number;
}

/** Fits the subject's adjustment from its corrections and latest answers' logits. */
export type SubjectRefit = (corrections: SubjectCorrection[], answers: number[][]) => number[];

export interface SubjectRepository {
  /** Keeps an answer; a second call for the same request id (a job run twice) changes nothing. */
  recordAnswer(answer: Omit<SubjectAnswer, 'corrected'>): Promise<void>;
  findAnswer(requestId: string): Promise<SubjectAnswer | undefined>;
  /**
   * Who was given a successful answer of one of `endpoints` under this request id, from the
   * request log (to tell "that answer had no subject" from "no such answer of yours").
   */
  loggedAnswer(
    requestId: string,
    endpoints: readonly string[],
  ): Promise<{ key_id: string | null; client_id: string | null } | undefined>;
  /**
   * What the subject's answers are adjusted from: its corrected answers (in the order corrected)
   * and the logits of its latest `limit` answers, corrected or not (newest first). Undefined
   * while it has no correction (its answers are then the model's own).
   */
  learning(
    scope: string,
    subjectId: string,
    limit: number,
  ): Promise<{ corrections: SubjectCorrection[]; answers: number[][] } | undefined>;
  /**
   * Records the correction of an answer (replacing an earlier one of the same answer) and
   * refits the subject's bias with `refit` from all its corrections and its latest `limit`
   * answers (as `learning` reads them), atomically: two nodes correcting the same subject at
   * once are serialised, so the bias always reflects every correction. Undefined when the answer
   * is gone (the subject was erased meanwhile).
   */
  correct(input: SubjectCorrectionInput, refit: SubjectRefit): Promise<SubjectState | undefined>;
  get(scope: string, subjectId: string): Promise<SubjectState | undefined>;
  /** Erases the subject: its bias, its corrections and its kept answers. False when unknown. */
  erase(scope: string, subjectId: string): Promise<boolean>;
}
