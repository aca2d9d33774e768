import type { Config } from '../config/config.js';
import type { ThumbnailRequest, ThumbnailResult } from '../jobs/clip-job.types.js';
import type { ClipJob, ClipJobRunner } from '../jobs/job-runner.js';
import type { JobTask } from '../store/index.js';
import type { Prediction } from '../vision/index.js';
import { CLIP_TASKS, workOf } from './clip-tasks.js';

/** What the HTTP layer needs of the job runner. */
export type ClipJobPort = Pick<ClipJobRunner, 'run' | 'isSaturated'>;

/** A finished thumbnail: the encoded file and its description. */
export type ThumbnailOutput = ThumbnailResult;

export interface ClipOutcome {
  prediction?: Prediction;
  thumbnail?: ThumbnailOutput;
  timings: Record<string, number>;
}

/** Decides what each endpoint asks of a worker (from the task table, `clip-tasks.ts`). */
export class ClipService {
  constructor(
    private readonly jobs: ClipJobPort,
    private readonly config: Pick<
      Config,
      'maxPixels' | 'maxVideoSeconds' | 'minFrames' | 'predictFrames' | 'maxThumbnailBytes'
    >,
  ) {}

  /** Lets the HTTP layer refuse an upload before reading it when no job could start. */
  isSaturated(): boolean {
    return this.jobs.isSaturated();
  }

  predict(inputPath: string, requestId?: string): Promise<ClipOutcome> {
    return this.run('predict', inputPath, undefined, requestId);
  }

  /** A peak anchor or a face crop needs the emotion model's view of the clip; the answer stays a thumbnail. */
  thumbnail(inputPath: string, options: ThumbnailRequest, requestId?: string): Promise<ClipOutcome> {
    return this.run('thumbnail', inputPath, options, requestId);
  }

  analyze(inputPath: string, options: ThumbnailRequest, requestId?: string): Promise<ClipOutcome> {
    return this.run('analyze', inputPath, options, requestId);
  }

  /** Runs a task's job here; the outcome holds a prediction only when the task answers an emotion. */
  async run(
    task: JobTask,
    inputPath: string,
    options: ThumbnailRequest | undefined,
    requestId?: string,
  ): Promise<ClipOutcome> {
    const result = await this.jobs.run(this.jobFor(task, inputPath, options, requestId));
    const prediction = CLIP_TASKS[task].answersEmotion ? { prediction: result.prediction } : {};
    return { ...prediction, thumbnail: result.thumbnail, timings: result.timings };
  }

  /** The job a task asks of a worker, also for callers that run it elsewhere (async jobs). */
  jobFor(
    task: JobTask,
    inputPath: string,
    thumbnail: ThumbnailRequest | undefined,
    requestId?: string,
  ): ClipJob {
    const spec = CLIP_TASKS[task];
    if (spec.thumbnail && !thumbnail) throw new Error(`a ${task} job needs thumbnail options`);
    const work = workOf(spec, thumbnail);
    return {
      requestId,
      inputPath,
      limits: {
        maxPixels: this.config.maxPixels,
        maxSeconds: this.config.maxVideoSeconds,
        minFrames: this.config.minFrames,
        stills: work.stills,
      },
      predict: work.predict,
      predictFrames: this.config.predictFrames,
      faceOptional: work.faceOptional,
      thumbnail: spec.thumbnail ? thumbnail : undefined,
      maxThumbnailBytes: spec.thumbnail ? this.config.maxThumbnailBytes : undefined,
    };
  }
}
