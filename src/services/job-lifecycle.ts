import type { ErrorShape } from '../errors.js';
import type { ClipJobResult } from '../jobs/clip-job.types.js';
import type { AsyncJobHooks } from '../jobs/bullmq-consumer.js';
import type { JobRecord, JobRepository, JobTask } from '../store/index.js';
import type { WebhookSender } from '../webhooks/deliverer.js';
import { CLIP_TASKS } from './clip-tasks.js';
import { jobDocument } from './job-document.js';
import type { SubjectsService } from './subjects.service.js';

/** Turns a worker's result into the sync endpoint's 200 body (the HTTP layer's presenter). */
export type JobResultPresenter = (task: JobTask, result: ClipJobResult, latencyMs: number) => unknown;

/** Told when a job ends, for metrics. */
export type JobEndObserver = (job: JobRecord) => void;

/**
 * What happens to an async job's record as it runs, wherever it runs (the single process,
 * or a ROLE=worker): running, then succeeded with the sync endpoint's body or failed with
 * its error, then the webhook. Each end is recorded once (a job run twice after a lost
 * worker cannot end twice).
 */
export class JobLifecycle implements AsyncJobHooks {
  constructor(
    private readonly jobs: JobRepository,
    private readonly present: JobResultPresenter,
    private readonly webhooks: WebhookSender | undefined,
    private readonly observe: JobEndObserver = () => undefined,
    private readonly subjects?: SubjectsService,
  ) {}

  started(id: string): Promise<boolean> {
    return this.jobs.markRunning(id, new Date());
  }

  async succeeded(id: string, task: JobTask, result: ClipJobResult, latencyMs: number): Promise<void> {
    const body = this.present(task, await this.forSubject(id, task, result), latencyMs);
    if (await this.jobs.finish(id, { status: 'succeeded', result: body }, new Date())) await this.ended(id);
  }

  /**
   * A job of a task that answers an emotion, submitted with a subject_id, gets its subject's adjustment here, when its result is
   * built (on the node that ran it), with the bias learnt by then; its uncorrected answer is
   * kept under the request id of its POST /jobs/..., which /feedback takes.
   */
  private async forSubject(id: string, task: JobTask, result: ClipJobResult): Promise<ClipJobResult> {
    if (!this.subjects || !CLIP_TASKS[task].answersEmotion || !result.prediction) return result;
    const job = await this.jobs.get(id);
    if (!job?.subject_id) return result;
    const prediction = await this.subjects.answer(
      job.owner,
      job.subject_id,
      job.request_id ?? job.id,
      result.prediction,
    );
    return { ...result, prediction };
  }

  async failed(id: string, error: ErrorShape): Promise<void> {
    const outcome = { status: 'failed' as const, error: { error: error.message, code: error.code } };
    if (await this.jobs.finish(id, outcome, new Date())) await this.ended(id);
  }

  private async ended(id: string): Promise<void> {
    const job = await this.jobs.get(id);
    if (!job) return;
    this.observe(job);
    // Awaited: in cluster mode the delivery is queued in Redis before the job counts as done.
    if (job.callback_url && this.webhooks)
      await this.webhooks.deliver(job.id, job.callback_url, jobDocument(job));
  }
}
