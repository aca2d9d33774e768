/**
 * Opening a video decoder with the service's guards. Internal to src/media.
 */
import { FF_THREAD_FRAME, FF_THREAD_SLICE, type AVThreadType } from 'node-av/constants';
import { Codec, CodecContext, Dictionary, type Stream } from 'node-av/lib';

import { AppError } from '../errors.js';

/** FFmpeg's `max_pixels` takes an int. */
export function maxPixelsOption(maxPixels: number): number {
  return Math.min(maxPixels, 2 ** 31 - 1);
}

/**
 * A decoder for `stream` that refuses frames larger than `maxPixels` (FFmpeg's
 * `max_pixels`), with frame and slice threads (`threads` 0 = one per core, as
 * the ffmpeg CLI does). The caller frees it.
 */
export async function openDecoder(
  stream: Stream,
  maxPixels: number,
  threads = 0,
  opts: { skipLoopFilter?: boolean } = {},
): Promise<CodecContext> {
  const codec = Codec.findDecoder(stream.codecpar.codecId);
  if (!codec) throw new AppError('decode_failed', 'No decoder for this video codec.');
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  if (ctx.parametersToContext(stream.codecpar) < 0) {
    ctx.freeContext();
    throw new AppError('decode_failed');
  }
  ctx.pktTimebase = stream.timeBase;
  ctx.threadCount = threads;
  ctx.threadType = (FF_THREAD_FRAME | FF_THREAD_SLICE) as AVThreadType;
  const dict = Dictionary.fromObject({
    max_pixels: maxPixelsOption(maxPixels),
    ...(opts.skipLoopFilter ? { skip_loop_filter: 'all' } : {}),
  });
  const ret = await ctx.open2(codec, dict);
  dict.free();
  if (ret < 0) {
    ctx.freeContext();
    throw new AppError('decode_failed', 'The video decoder could not be opened.');
  }
  return ctx;
}
