import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type {
  ClipJobRequest,
  ClipJobResult,
  PredictionResult,
  ThumbnailRequest,
  ThumbnailResult,
} from '../jobs/clip-job.types.js';

/** Runs clip jobs; the HTTP layer depends on this, not on the worker pool. */
export interface ClipJobPort {
  run(request: ClipJobRequest): Promise<ClipJobResult>;
  /** True when every worker is busy and the wait queue is full: a new job would be refused. */
  isSaturated(): boolean;
}

/** A finished thumbnail: the worker's description with the file's bytes instead of its path. */
export type ThumbnailOutput = Omit<ThumbnailResult, 'path'> & { data: Buffer };

export interface ClipOutcome {
  prediction?: PredictionResult;
  thumbnail?: ThumbnailOutput;
  timings: Record<string, number>;
}

/** Decides what each endpoint asks of a worker, and owns the temporary files around it. */
export class ClipService {
  constructor(
    private readonly jobs: ClipJobPort,
    private readonly config: Pick<Config, 'maxPixels' | 'maxVideoSeconds' | 'minFrames' | 'predictFrames'>,
    private readonly tmpDir: string,
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

  private async run(
    inputPath: string,
    requestId: string | undefined,
    predict: boolean,
    thumbnail: ThumbnailRequest | undefined,
    faceOptional = false,
  ): Promise<ClipOutcome> {
    const outputPath = thumbnail ? join(this.tmpDir, `${randomUUID()}.${thumbnail.format}`) : undefined;
    try {
      const result = await this.jobs.run({
        requestId,
        inputPath,
        limits: {
          maxPixels: this.config.maxPixels,
          maxSeconds: this.config.maxVideoSeconds,
          minFrames: this.config.minFrames,
        },
        predict,
        predictFrames: this.config.predictFrames,
        faceOptional,
        thumbnail,
        outputPath,
      });
      const outcome: ClipOutcome = { prediction: result.prediction, timings: result.timings };
      if (result.thumbnail) {
        const { path, ...described } = result.thumbnail;
        outcome.thumbnail = { ...described, data: await readFile(path) };
      }
      return outcome;
    } finally {
      if (outputPath) await rm(outputPath, { force: true });
    }
  }
}
