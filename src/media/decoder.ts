/**
 * Opening a video decoder with the service's guards. Internal to src/media.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

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

/** The niceness {@link lowerDecoderThreadPriority} gives FFmpeg's threads. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers this process's FFmpeg worker threads (FFmpeg names them `av:<codec>:...`, e.g.
 * `av:h264:df0` for a frame thread) to nice {@link BACKGROUND_NICE}, so that work running
 * beside a decode (the emotion model's thread) keeps its core and the decoder takes the
 * rest. Call it once the decoder has produced a frame (its threads are named by then).
 * Linux only (threads are listed in /proc/self/task); elsewhere, or for a thread that is
 * gone, nothing happens. A thread's priority cannot be raised back without privileges, so
 * only a decoder that will be freed afterwards should be lowered.
 */
export function lowerDecoderThreadPriority(): void {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const task of tasks) {
    try {
      const tid = Number(task);
      if (!readFileSync(`/proc/self/task/${task}/comm`, 'utf8').startsWith('av:')) continue;
      if (getPriority(tid) >= BACKGROUND_NICE) continue;
      setPriority(tid, BACKGROUND_NICE);
    } catch {
      // the thread ended, or the system refuses: the decode goes on at its priority
    }
  }
}
