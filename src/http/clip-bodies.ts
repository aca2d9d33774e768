/**
 * The video endpoints' 200 bodies, built in one place: the sync endpoints answer with them
 * and an async job's `result` is the same body (built when the job ends, wherever it ran).
 */
import type { ClipJobResult, ThumbnailResult } from '../jobs/clip-job.types.js';
import { predictionBody, round3 } from './prediction-body.js';

export function thumbnailBody(t: ThumbnailResult) {
  return {
    thumbnail: t.data.toString('base64'),
    format: t.format,
    mime_type: t.mimeType,
    width: t.width,
    height: t.height,
    fps: t.fps,
    frames: t.frames,
    duration: round3(t.durationSec),
  };
}

/** The body `/predict`, `/thumbnail` or `/analyze` answers for a result. */
export function clipResultBody(
  task: 'predict' | 'thumbnail' | 'analyze',
  result: Pick<ClipJobResult, 'prediction' | 'thumbnail'>,
  latencyMs: number,
): Record<string, unknown> {
  if (task === 'predict') return { ...predictionBody(result.prediction!), latency_ms: latencyMs };
  const thumbnail = { ...thumbnailBody(result.thumbnail!), latency_ms: latencyMs };
  if (task === 'thumbnail') return thumbnail;
  return { ...predictionBody(result.prediction!), thumbnail, latency_ms: latencyMs };
}
