import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress, type Resolver } from './callback-url.js';
import type { WebhookDelivery } from '../store/index.js';
import { signWebhookBody } from './signature.js';

/** One delivery attempt, as recorded. */
export interface DeliveryAttempt {
  jobId: string;
  attempt: number;
  url: string;
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  at: Date;
}

/** An attempt as the store records it (`JobRepository.recordDelivery`). */
export function deliveryRecord(a: DeliveryAttempt): WebhookDelivery {
  return {
    job_id: a.jobId,
    attempt: a.attempt,
    url: a.url,
    status_code: a.statusCode,
    ok: a.ok,
    error: a.error,
    delivered_at: a.at.toISOString(),
  };
}

export interface WebhookDelivererOptions {
  secret: string;
  allowPrivate: boolean;
  /** Retry non-2xx answers and network errors for this long (doubling backoff from 1 s, capped at 60 s). */
  retrySeconds: number;
  /** Each attempt's time limit. */
  attemptTimeoutMs?: number;
  /** Told of every attempt (the store records it). */
  onAttempt: (attempt: DeliveryAttempt) => Promise<void>;
  /** Told of the end: delivered, or given up. */
  onDone?: (outcome: 'delivered' | 'gave_up') => void;
  /**
   * Where each attempt's connection looks its host up: the system's DNS when absent. Tests
   * give one whose answer changes between submission and delivery (DNS rebinding).
   */
  resolver?: Resolver;
}

/** The host's addresses as the connection would use them: the system's DNS, or `resolver`. */
function addressesOf(
  hostname: string,
  options: LookupOptions,
  resolver: Resolver | undefined,
): Promise<LookupAddress[]> {
  if (!resolver)
    return new Promise((done, fail) =>
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) =>
        err ? fail(err) : done(addresses),
      ),
    );
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
  return resolver(hostname).then((all) => {
    const addresses = all
      .map((address) => ({ address, family: isIP(address) }))
      .filter((a) => a.family !== 0 && (family === 0 || a.family === family));
    if (addresses.length === 0)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  });
}

/**
 * The connection's lookup. Unless private addresses are allowed it refuses non-public ones at
 * connect time: the check at submission cannot see a DNS answer that changes afterwards (DNS
 * rebinding). Undefined (Node's own lookup) when there is nothing to check or inject.
 */
function connectLookup(allowPrivate: boolean, resolver: Resolver | undefined): LookupFunction | undefined {
  if (allowPrivate && !resolver) return undefined;
  return (hostname, options, callback) => {
    addressesOf(hostname, options, resolver).then(
      (addresses) => {
        const bad = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
        if (bad) {
          const refused = Object.assign(new Error(`refused non-public address ${bad.address}`), {
            code: 'EADDRNOTPUBLIC',
          });
          return callback(refused, '', 0);
        }
        if (options.all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export function postOnce(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  allowPrivate: boolean,
  timeoutMs: number,
  resolver?: Resolver,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(body.length) },
      timeout: timeoutMs,
      lookup: connectLookup(allowPrivate, resolver),
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Delay before retry number `retry` (1-based): 1 s, 2 s, 4 s, ... at most 60 s. */
export function retryDelayMs(retry: number): number {
  return Math.min(60_000, 1000 * 2 ** (retry - 1));
}

/** How many attempts fit in `retrySeconds` of retrying (the first attempt is free). */
export function attemptsWithin(retrySeconds: number): number {
  let attempts = 1;
  let waited = 0;
  while (waited + retryDelayMs(attempts) <= retrySeconds * 1000) {
    waited += retryDelayMs(attempts);
    attempts++;
  }
  return attempts;
}

/** The headers of a delivery: the job id and the signature of the exact body bytes. */
export function deliveryHeaders(jobId: string, body: Buffer, secret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'emothumb-webhook/1',
    'x-job-id': jobId,
    'x-signature': signWebhookBody(body, secret),
  };
}

/**
 * One delivery attempt: posts the signed body, and records the outcome through
 * `options.onAttempt` (a failure to record is not the receiver's). Shared by both senders.
 */
export async function attemptDelivery(
  options: WebhookDelivererOptions,
  jobId: string,
  url: string,
  body: Buffer,
  attempt: number,
): Promise<DeliveryAttempt> {
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    statusCode = await postOnce(
      new URL(url),
      body,
      deliveryHeaders(jobId, body, options.secret),
      options.allowPrivate,
      options.attemptTimeoutMs ?? 10_000,
      options.resolver,
    );
  } catch (err) {
    error = err instanceof Error ? err.message.slice(0, 500) : String(err);
  }
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const outcome: DeliveryAttempt = { jobId, attempt, url, statusCode, ok, error, at: new Date() };
  await options.onAttempt(outcome).catch(() => undefined);
  return outcome;
}

/** Sends finished jobs to their callback URLs (in this process, or through a durable queue). */
export interface WebhookSender {
  /** Resolves once the delivery is under way (queued durably, for the queued sender); never rejects for the receiver's sake. */
  deliver(jobId: string, callbackUrl: string, document: unknown): Promise<void>;
  close(waitMs?: number): Promise<void>;
}

/**
 * Posts finished jobs to their callback URLs, signed, retrying with backoff for a bounded
 * time, in this process (the single-process default: nothing else would). Deliveries in
 * flight are tracked so that a draining process can wait for them.
 */
export class WebhookDeliverer implements WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: WebhookDelivererOptions) {}

  /** Starts a delivery in the background; never rejects. */
  async deliver(jobId: string, callbackUrl: string, document: unknown): Promise<void> {
    const p = this.run(jobId, callbackUrl, document).catch(() => undefined);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async run(jobId: string, callbackUrl: string, document: unknown): Promise<void> {
    const body = Buffer.from(JSON.stringify(document));
    const attempts = attemptsWithin(this.options.retrySeconds);
    for (let attempt = 1; ; attempt++) {
      const { ok } = await attemptDelivery(this.options, jobId, callbackUrl, body, attempt);
      if (ok) return this.options.onDone?.('delivered');
      if (this.closed || attempt >= attempts) return this.options.onDone?.('gave_up');
      await sleep(retryDelayMs(attempt));
    }
  }

  /** Stops retrying and waits (at most `waitMs`) for attempts in flight. */
  async close(waitMs = 10_000): Promise<void> {
    this.closed = true;
    await Promise.race([Promise.all([...this.inFlight]), sleep(waitMs)]);
  }
}
