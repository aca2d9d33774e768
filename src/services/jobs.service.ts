import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ThumbnailRequest } from '../jobs/clip-job.types.js';
import { sha256OfFile } from '../shared/file-hash.js';
import { isPrintableId } from '../shared/printable-id.js';
import type { JobRecord, JobRepository, JobTask } from '../store/index.js';
import { checkCallbackUrl, type Resolver } from '../webhooks/callback-url.js';
import type { ClipService } from './clip.service.js';
import type { JobDispatcher } from './job-dispatch.js';

/** Who submits or reads a job. */
export interface JobCaller {
  /** `client:<id>` for a client key, `admin` for admin keys: the scope of access and idempotency. */
  owner: string;
  /** Admin keys see every job. */
  isAdmin: boolean;
  clientId: string | null;
  keyId: string | null;
}

export interface JobSubmission {
  task: JobTask;
  /** The spooled upload; the service owns it from here (released when no longer needed). */
  inputPath: string;
  release: () => Promise<void>;
  thumbnail?: ThumbnailRequest;
  caller: JobCaller;
  requestId: string;
  idempotencyKey: string | null;
  callbackUrl: string | null;
  /** Whose answer it is (predict and analyze): adjusted when the job's result is built. */
  subjectId?: string | null;
}

export interface JobsServiceOptions {
  ttlHours: number;
  /** WEBHOOK_SECRET: without it callback URLs are refused. */
  webhookSecret: string | undefined;
  webhookAllowPrivate: boolean;
  resolver?: Resolver;
  now?: () => Date;
}

/** Checks an Idempotency-Key header value; undefined/empty means none. */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') return null;
  if (!isPrintableId(value.trim())) throw new AppError('bad_idempotency_key');
  return value.trim();
}

/**
 * What an Idempotency-Key is bound to (draft-ietf-httpapi-idempotency-key-header): the endpoint,
 * the options as parsed (so `?duration=2` and `"duration": 2.0` are the same request) and a
 * SHA-256 of the uploaded bytes (so the transport does not matter either).
 */
export async function requestFingerprint(
  s: Pick<JobSubmission, 'task' | 'thumbnail' | 'callbackUrl' | 'inputPath' | 'subjectId'>,
): Promise<string> {
  const upload = await sha256OfFile(s.inputPath);
  // The thumbnail options come from parseThumbnailOptions, which always builds them in one key
  // order: the same options are the same text.
  return createHash('sha256')
    .update(JSON.stringify([s.task, s.thumbnail ?? null, s.callbackUrl, s.subjectId ?? null]))
    .update('\n')
    .update(upload)
    .digest('hex');
}

/** Async jobs: accept (idempotently), hand over to the dispatcher, answer status polls. */
export class JobsService {
  private readonly now: () => Date;

  constructor(
    private readonly jobs: JobRepository,
    private readonly clips: ClipService,
    private readonly dispatcher: JobDispatcher,
    private readonly options: JobsServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Lets HTTP refuse before reading an upload when no job could be queued. */
  isFull(): boolean {
    return this.dispatcher.isFull();
  }

  /** 400 bad_callback_url unless the URL is acceptable (checked before the upload is read when it comes in the query). */
  async checkCallbackUrl(raw: unknown): Promise<string> {
    if (!this.options.webhookSecret)
      throw new AppError('bad_callback_url', 'Webhooks are disabled on this server (no WEBHOOK_SECRET set).');
    const check = await checkCallbackUrl(raw, this.options.webhookAllowPrivate, this.options.resolver);
    if (!check.ok) throw new AppError('bad_callback_url', check.reason);
    return check.url.toString();
  }

  /**
   * Creates the job and queues it, or returns the caller's earlier job with the same
   * idempotency key (then nothing is queued and the upload is dropped).
   */
  async submit(s: JobSubmission): Promise<{ job: JobRecord; created: boolean }> {
    let handedOver = false;
    try {
      const now = this.now();
      const fingerprint = s.idempotencyKey !== null ? await requestFingerprint(s) : null;
      const { job, created } = await this.jobs.create({
        id: randomUUID(),
        task: s.task,
        owner: s.caller.owner,
        client_id: s.caller.clientId,
        key_id: s.caller.keyId,
        request_id: s.requestId,
        idempotency_key: s.idempotencyKey,
        request_fingerprint: fingerprint,
        callback_url: s.callbackUrl,
        subject_id: s.subjectId ?? null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.options.ttlHours * 3600_000).toISOString(),
      });
      if (!created) {
        // Jobs made before fingerprints were kept have none: they keep the old replay behaviour.
        if (job.request_fingerprint !== null && job.request_fingerprint !== fingerprint) {
          throw new AppError(
            'idempotency_key_reused',
            `The Idempotency-Key "${s.idempotencyKey}" was first used for a different request (job ${job.id}: ${job.task}); use a new key for a new request.`,
          );
        }
        return { job, created };
      }
      const clip = this.clips.jobFor(s.task, s.inputPath, s.thumbnail, s.requestId);
      handedOver = true;
      try {
        await this.dispatcher.dispatch(job, clip, s.release);
      } catch (err) {
        // Not queued: forget it, so that a retry with the same Idempotency-Key queues it.
        await this.jobs.discard(job.id).catch(() => undefined);
        throw err;
      }
      return { job, created };
    } finally {
      if (!handedOver) await s.release().catch(() => undefined);
    }
  }

  /** The caller's job; another client's, an unknown or an expired one is 404 job_not_found. */
  async get(id: string, caller: JobCaller): Promise<JobRecord> {
    const job = id.length <= 100 ? await this.jobs.get(id, this.now()) : undefined;
    if (!job || (!caller.isAdmin && job.owner !== caller.owner))
      throw new AppError('job_not_found', `No job ${id.slice(0, 100)} (or it has expired).`);
    return job;
  }

  /** Deletes expired jobs; run now and then by API nodes. */
  purgeExpired(): Promise<number> {
    return this.jobs.deleteExpired(this.now());
  }
}
