import { Queue, Worker, type Job } from 'bullmq';
import {
  attemptDelivery,
  attemptsWithin,
  retryDelayMs,
  type WebhookDelivererOptions,
  type WebhookSender,
} from './deliverer.js';

export const WEBHOOK_QUEUE = 'emothumb-webhooks';

interface DeliveryData {
  jobId: string;
  url: string;
  /** The exact bytes to send (and sign), as UTF-8 JSON text. */
  body: string;
}

/**
 * Cluster mode: each delivery is a BullMQ job of its own, retried by BullMQ with the same
 * backoff (1 s doubling, at most 60 s apart, for WEBHOOK_RETRY_SECONDS), so a delivery
 * survives the worker that queued it and any worker may make the next attempt.
 */
export class QueuedWebhookDeliverer implements WebhookSender {
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly attempts: number;

  constructor(
    redisUrl: string,
    private readonly options: WebhookDelivererOptions,
  ) {
    const connection = { url: redisUrl };
    this.attempts = attemptsWithin(options.retrySeconds);
    this.queue = new Queue(WEBHOOK_QUEUE, { connection });
    this.queue.on('error', () => undefined);
    this.worker = new Worker(WEBHOOK_QUEUE, (job: Job<DeliveryData>) => this.attempt(job), {
      connection,
      concurrency: 8,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade) },
    });
    this.worker.on('error', () => undefined);
  }

  async deliver(jobId: string, callbackUrl: string, document: unknown): Promise<void> {
    const data: DeliveryData = { jobId, url: callbackUrl, body: JSON.stringify(document) };
    await this.queue.add('deliver', data, {
      attempts: this.attempts,
      backoff: { type: 'custom' },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    });
  }

  private async attempt(job: Job<DeliveryData>): Promise<void> {
    const { jobId, url } = job.data;
    const body = Buffer.from(job.data.body);
    const attempt = job.attemptsMade + 1;
    const { ok, statusCode, error } = await attemptDelivery(this.options, jobId, url, body, attempt);
    if (ok) return this.options.onDone?.('delivered');
    if (attempt >= this.attempts) this.options.onDone?.('gave_up');
    // BullMQ retries it after the backoff, until the attempts are spent.
    throw new Error(error ?? `the receiver answered ${statusCode}`);
  }

  /** Finishes the attempts in flight; queued retries stay in Redis for the other workers. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
