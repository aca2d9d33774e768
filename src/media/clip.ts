import { closeInput } from './input.js';
import { decodeFrames, type DecodeOptions, type FrameRequest } from './decode.js';
import {
  groupOffsets,
  INDEXED_CODECS,
  packetsToSend,
  readPacketIndex,
  type PacketIndex,
} from './packet-index.js';
import { probeOpen, tooFewFrames, type ProbeLimits } from './probe.js';
import { evenlySpacedIndices, nearKeyframeIndices } from './sampling.js';
import type { RgbFrame, VideoInfo } from './types.js';

/**
 * One uploaded clip, opened once per job: the probe result and the packet index
 * (read in the same pass over the container), from which every decode of the job
 * is planned, so a job probes once and scans once however many passes it needs.
 *
 * @example
 * ```ts
 * const clip = await MediaClip.open(path, limits);
 * const [frames] = await clip.decode([{ indices: clip.predictionIndices(15), maxSide: 480 }]);
 * ```
 */
export class MediaClip {
  private constructor(
    readonly path: string,
    readonly info: VideoInfo,
    /** Undefined when not read (other codecs, or the probe had to read to the end); null when unusable. */
    readonly index: PacketIndex | null | undefined,
  ) {}

  /**
   * Probes `path` (refusing it with the AppErrors of `probeVideo`) and, for
   * H.264/HEVC, indexes its packets in the same open.
   */
  static async open(path: string, limits: ProbeLimits, signal?: AbortSignal): Promise<MediaClip> {
    const probed = await probeOpen(path, limits);
    try {
      let info = probed.info;
      let index: PacketIndex | null | undefined;
      if (!info.isImage && !probed.consumed && INDEXED_CODECS.has(info.codec)) {
        index = await readPacketIndex(probed.fmt, probed.stream, info.codec, signal);
        if (index) {
          // The index counts the frames exactly; a header's estimate can be off.
          if (index.count < limits.minFrames) throw tooFewFrames(index.count, limits.minFrames);
          info = { ...info, frameCount: index.count };
        }
      }
      return new MediaClip(path, info, index);
    } finally {
      await closeInput(probed.fmt);
    }
  }

  /**
   * `count` frame indices for the emotion model: spread over the whole clip as the
   * seed does, each moved to a cheap position just after a nearby keyframe when the
   * clip's groups of pictures allow (within a third of a second; frames a sixth of a
   * second apart: the setting that kept video accuracy on the development clips,
   * see BENCHMARKS.md), see {@link nearKeyframeIndices}.
   */
  predictionIndices(count: number, nearKeyframes = true): number[] {
    const even = evenlySpacedIndices(this.info.frameCount, count);
    if (!nearKeyframes || !this.index) return even;
    const fps = this.info.fps > 0 ? this.info.fps : 30;
    return nearKeyframeIndices(
      even,
      groupOffsets(this.index),
      Math.round(fps / 3),
      Math.max(1, Math.round(fps / 6)),
    );
  }

  /** Display-order indices of the keyframes (empty when the clip has no packet index). */
  keyframeIndices(): number[] {
    if (!this.index) return [];
    const out: number[] = [];
    groupOffsets(this.index).forEach((offset, i) => {
      if (offset === 0) out.push(i);
    });
    return out;
  }

  /**
   * How many frames a pass serving `indices` decodes (the packets it sends, from the index);
   * without an index, every frame up to the last one wanted.
   */
  decodeCost(indices: Iterable<number>): number {
    const wanted = new Set(indices);
    if (!this.index) return wanted.size === 0 ? 0 : Math.max(...wanted) + 1;
    return packetsToSend(this.index, (i) => wanted.has(i)).filter(Boolean).length;
  }

  /** {@link decodeFrames} on this clip, planned from its packet index. */
  decode(requests: FrameRequest[], opts: DecodeOptions = {}): Promise<RgbFrame[][]> {
    return decodeFrames(this.path, this.info, requests, { ...opts, index: this.index });
  }
}
