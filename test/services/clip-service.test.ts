import { describe, expect, it } from 'vitest';

import { parseConfig } from '../../src/config/config.js';
import { AppError } from '../../src/errors.js';
import type { ClipJobResult, ThumbnailRequest } from '../../src/jobs/clip-job.types.js';
import type { ClipJob } from '../../src/jobs/job-runner.js';
import { ClipService, type ClipJobPort } from '../../src/services/clip.service.js';
import type { Prediction } from '../../src/vision/index.js';

const config = parseConfig({
  MAX_PIXELS: '640x480',
  MAX_VIDEO_SECONDS: '12',
  MIN_FRAMES: '9',
  PREDICT_FRAMES: '7',
});

const prediction: Prediction = {
  emotion: 'Sad',
  confidence: 0.6,
  probabilities: { Anger: 0.1, Happy: 0.1, Shock: 0.1, Neutral: 0.1, Sad: 0.6 },
  frames_analyzed: 7,
  frames_with_face: 7,
  timeline: [
    {
      t: 0,
      emotion: 'Sad',
      confidence: 0.6,
      probabilities: { Anger: 0.1, Happy: 0.1, Shock: 0.1, Neutral: 0.1, Sad: 0.6 },
    },
  ],
  peak_t: 0,
  peakIndex: 0,
  model: 'stub-model',
  face: null,
};

const result: ClipJobResult = {
  video: {
    container: 'mov,mp4,m4a,3gp,3g2,mj2',
    codec: 'h264',
    width: 320,
    height: 240,
    rotation: 0,
    pixelAspect: 1,
    displayWidth: 320,
    displayHeight: 240,
    durationSec: 1,
    fps: 30,
    frameCount: 30,
    pixelFormat: 'yuv420p',
    hasAudio: false,
  },
  prediction,
  thumbnail: {
    data: Buffer.from('thumb'),
    format: 'gif',
    mimeType: 'image/gif',
    width: 100,
    height: 100,
    fps: 10,
    frames: 9,
    durationSec: 0.9,
  },
  timings: { decode: 12, model: 34 },
};

/** A port that records what it is asked and answers with `result`. */
function stubPort(saturated = false): ClipJobPort & { jobs: ClipJob[]; saturated: boolean } {
  const port = {
    jobs: [] as ClipJob[],
    saturated,
    run(job: ClipJob): Promise<ClipJobResult> {
      port.jobs.push(job);
      return Promise.resolve(result);
    },
    isSaturated: () => port.saturated,
  };
  return port;
}

const thumbOptions = (over: Partial<ThumbnailRequest> = {}): ThumbnailRequest => ({
  durationSec: 2,
  format: 'gif',
  maxSize: 240,
  crop: 'none',
  anchor: 'whole',
  ...over,
});

describe('ClipService', () => {
  it('predict submits a prediction job with the configured limits, frames and request id', async () => {
    const port = stubPort();
    const service = new ClipService(port, config);
    const outcome = await service.predict('/tmp/in.upload', 'req-1');
    expect(port.jobs).toEqual([
      {
        requestId: 'req-1',
        inputPath: '/tmp/in.upload',
        // A still photo is scored as one frame.
        limits: { maxPixels: 640 * 480, maxSeconds: 12, minFrames: 9, stills: true },
        predict: true,
        predictFrames: 7,
        faceOptional: false,
        thumbnail: undefined,
      },
    ]);
    expect(outcome.prediction).toBe(prediction);
    expect(outcome.timings).toEqual({ decode: 12, model: 34 });
  });

  it('a plain thumbnail (crop none or square, anchor whole) does not ask for the model', async () => {
    for (const crop of ['none', 'square'] as const) {
      const port = stubPort();
      const options = thumbOptions({ crop });
      const outcome = await new ClipService(port, config).thumbnail('/tmp/a', options, 'req-2');
      expect(port.jobs).toHaveLength(1);
      const job = port.jobs[0]!;
      expect(job.predict).toBe(false);
      expect(job.faceOptional).toBe(false);
      expect(job.thumbnail).toEqual(options);
      expect(job.requestId).toBe('req-2');
      // A boomerang needs a video: a still photo is refused (still_image).
      expect(job.limits).toEqual({ maxPixels: 640 * 480, maxSeconds: 12, minFrames: 9, stills: false });
      // The answer stays a thumbnail: no prediction leaks into it.
      expect(outcome).toEqual({ thumbnail: result.thumbnail, timings: result.timings });
    }
  });

  it.each([
    ['crop face', { crop: 'face' as const }],
    ['anchor peak', { anchor: 'peak' as const }],
    ['both', { crop: 'face' as const, anchor: 'peak' as const }],
  ])('a thumbnail with %s asks for the model, with the face optional', async (_name, over) => {
    const port = stubPort();
    const options = thumbOptions(over);
    const outcome = await new ClipService(port, config).thumbnail('/tmp/b', options);
    const job = port.jobs[0]!;
    expect(job.predict).toBe(true);
    expect(job.faceOptional).toBe(true);
    expect(job.limits.stills).toBe(false);
    expect(job.thumbnail).toEqual(options);
    expect(job.predictFrames).toBe(7);
    expect(job.requestId).toBeUndefined();
    expect(outcome.prediction).toBeUndefined();
    expect(outcome.thumbnail).toBe(result.thumbnail);
  });

  it('analyze asks for both the prediction and the thumbnail; a missing face is an error there', async () => {
    const port = stubPort();
    const options = thumbOptions({ crop: 'face', anchor: 'peak', format: 'mp4' });
    const outcome = await new ClipService(port, config).analyze('/tmp/c', options, 'req-3');
    const job = port.jobs[0]!;
    expect(job.predict).toBe(true);
    expect(job.faceOptional).toBe(false);
    expect(job.limits.stills).toBe(true);
    expect(job.thumbnail).toEqual(options);
    expect(job.requestId).toBe('req-3');
    expect(outcome).toEqual({ prediction, thumbnail: result.thumbnail, timings: result.timings });
    expect(outcome.thumbnail?.data.toString()).toBe('thumb');
  });

  it("passes the port's errors through unchanged", async () => {
    const port: ClipJobPort = {
      run: () => Promise.reject(new AppError('no_face')),
      isSaturated: () => false,
    };
    await expect(new ClipService(port, config).predict('/tmp/d')).rejects.toMatchObject({
      code: 'no_face',
      status: 422,
    });
  });

  it('isSaturated delegates to the port', () => {
    const port = stubPort(true);
    const service = new ClipService(port, config);
    expect(service.isSaturated()).toBe(true);
    port.saturated = false;
    expect(service.isSaturated()).toBe(false);
    expect(port.jobs).toHaveLength(0);
  });
});
