import type { Config } from '../config/config.js';
import type { ThumbnailRequest, ThumbnailResult } from '../jobs/clip-job.types.js';
import type { ClipJob, ClipJobRunner } from '../jobs/job-runner.js';
import type { Prediction } from '../vision/index.js';

/** What the HTTP layer needs of the job runner. */
export type ClipJobPort = Pick<ClipJobRunner, 'run' | 'isSaturated'>;

/** A finished thumbnail: the encoded file and its description. */
export type ThumbnailOutput = ThumbnailResult;

export interface ClipOutcome {
  prediction?: Prediction;
  thumbnail?: ThumbnailOutput;
  timings: Record<string, number>;
}

/** Decides what each endpoint asks of a worker. */
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
    return this.run(inputPath, requestId, true, undefined);
  }

  /** A peak anchor or a face crop needs the emotion model's view of the clip; the answer stays a thumbnail. */
  async thumbnail(inputPath: string, options: ThumbnailRequest, requestId?: string): Promise<ClipOutcome> {
    const needsModel = options.anchor === 'peak' || options.crop === 'face';
    const outcome = await this.run(inputPath, requestId, needsModel, options, needsModel);
    return { thumbnail: outcome.thumbnail, timings: outcome.timings };
  }

  analyze(inputPath: string, options: ThumbnailRequest, requestId?: string): Promise<ClipOutcome> {
    return this.run(inputPath, requestId, true, options);
  }

  /** The job each endpoint asks of a worker, for callers that run it elsewhere (async jobs). */
  jobFor(
    task: 'predict' | 'thumbnail' | 'analyze',
    inputPath: string,
    options: ThumbnailRequest | undefined,
    requestId?: string,
  ): ClipJob {
    if (task === 'predict') return this.job(inputPath, requestId, true, undefined);
    if (!options) throw new Error(`a ${task} job needs thumbnail options`);
    if (task === 'analyze') return this.job(inputPath, requestId, true, options);
    const needsModel = options.anchor === 'peak' || options.crop === 'face';
    return this.job(inputPath, requestId, needsModel, options, needsModel);
  }

  private async run(
    inputPath: string,
    requestId: string | undefined,
    predict: boolean,
    thumbnail: ThumbnailRequest | undefined,
    faceOptional = false,
  ): Promise<ClipOutcome> {
    const result = await this.jobs.run(this.job(inputPath, requestId, predict, thumbnail, faceOptional));
    return { prediction: result.prediction, thumbnail: result.thumbnail, timings: result.timings };
  }

  private job(
    inputPath: string,
    requestId: string | undefined,
    predict: boolean,
    thumbnail: ThumbnailRequest | undefined,
    faceOptional = false,
  ): ClipJob {
    return {
      requestId,
      inputPath,
      limits: {
        maxPixels: this.config.maxPixels,
        maxSeconds: this.config.maxVideoSeconds,
        minFrames: this.config.minFrames,
        // A photo is scored as one frame by /predict and /analyze; /thumbnail (the one task
        // whose prediction, if any, may fail: faceOptional) makes a boomerang, which needs a video.
        stills: predict && !faceOptional,
      },
      predict,
      predictFrames: this.config.predictFrames,
      faceOptional,
      thumbnail,
      maxThumbnailBytes: thumbnail ? this.config.maxThumbnailBytes : undefined,
    };
  }
}
