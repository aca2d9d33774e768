import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type {
  ClipJobRequest,
  ClipJobResult,
  PredictionResult,
  ThumbnailRequest,
} from '../jobs/clip-job.types.js';
import type { ThumbnailFormat } from '../media/types.js';

/** Runs clip jobs; the HTTP layer depends on this, not on the worker pool. */
export interface ClipJobPort {
  run(request: ClipJobRequest): Promise<ClipJobResult>;
  /** True when every worker is busy and the wait queue is full: a new job would be refused. */
  isSaturated(): boolean;
}

export interface ThumbnailOutput {
  data: Buffer;
  format: ThumbnailFormat;
  mimeType: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  durationSec: number;
}

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

  predict(inputPath: string): Promise<ClipOutcome> {
    return this.run(inputPath, true, undefined);
  }

  /** A peak anchor or a face crop needs the emotion model's view of the clip; the answer stays a thumbnail. */
  async thumbnail(inputPath: string, options: ThumbnailRequest): Promise<ClipOutcome> {
    const needsModel = options.anchor === 'peak' || options.crop === 'face';
    const outcome = await this.run(inputPath, needsModel, options, needsModel);
    return { thumbnail: outcome.thumbnail, timings: outcome.timings };
  }

  analyze(inputPath: string, options: ThumbnailRequest): Promise<ClipOutcome> {
    return this.run(inputPath, true, options);
  }

  private async run(
    inputPath: string,
    predict: boolean,
    thumbnail: ThumbnailRequest | undefined,
    faceOptional = false,
  ): Promise<ClipOutcome> {
    const outputPath = thumbnail ? join(this.tmpDir, `${randomUUID()}.${thumbnail.format}`) : undefined;
    try {
      const result = await this.jobs.run({
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
        const t = result.thumbnail;
        outcome.thumbnail = {
          data: await readFile(t.path),
          format: t.format,
          mimeType: t.mimeType,
          width: t.width,
          height: t.height,
          fps: t.fps,
          frames: t.frames,
          durationSec: t.durationSec,
        };
      }
      return outcome;
    } finally {
      if (outputPath) await rm(outputPath, { force: true });
    }
  }
}
