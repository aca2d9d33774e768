import type { JobRecord } from '../store/index.js';

/** The `GET /jobs/<id>` body, which is also exactly what a webhook receives. */
export interface JobDocument {
  job_id: string;
  task: JobRecord['task'];
  status: JobRecord['status'];
  created_at: string;
  finished_at: string | null;
  result: unknown;
  error: { error: string; code: string } | null;
  status_url: string;
}

export function jobDocument(job: JobRecord): JobDocument {
  return {
    job_id: job.id,
    task: job.task,
    status: job.status,
    created_at: job.created_at,
    finished_at: job.finished_at,
    result: job.status === 'succeeded' ? job.result : null,
    error: job.status === 'failed' ? job.error : null,
    status_url: jobStatusUrl(job.id),
  };
}

/** The status URL of a job (relative: the document describes whichever host serves it). */
export const jobStatusUrl = (id: string): string => `/jobs/${id}`;
