import type { CropRect, FrameRequest } from '../media/index.js';
import type { RgbFrame, VideoInfo } from '../media/types.js';
import { peakWindowIndices } from './boomerang-plan.js';

/** Opening and reading the file again for a window decode, in frame decodes (about 20 ms at 1080p). */
const REOPEN_COST = 4;

/**
 * Most memory the candidates may take (at the cover's size, RGB): the model's scores come too
 * late in the pass to drop many (measured: 89-113 of 113 candidates held at once on a 5 s
 * clip), so a clip whose candidates would take more has its window decoded afterwards.
 */
export const MAX_COVER_BYTES = 32 * 1024 * 1024;

/** What a {@link PeakCover} held at most during its pass. */
export interface PeakCoverStats {
  /** Most frames held at once. */
  peakFrames: number;
  /** Most bytes of RGB held at once. */
  peakBytes: number;
  /** Frames converted for it during the pass. */
  converted: number;
}

/**
 * The frames a peak-anchored cover can need, kept while the one decode pass runs for the
 * emotion model, so that /analyze decodes its upload once.
 *
 * The cover is the window of `peakWindowIndices` around the clip's peak, which is one of the
 * model's sampled frames (the frame where the clip's final emotion is most probable). Each
 * sample has its window, known before the pass (estimated from its index; the final window
 * is computed from the real peak time, as without this buffer). As frames decode, a frame is
 * converted (at the cover's size and crop) and kept only while it lies in the window of a
 * sample that can still be the peak: one not scored yet, or the running peak of some emotion
 * (the model's provisional per-frame scores, `scored`). So the buffer holds at most the
 * windows of the running peaks (one to five, usually overlapping) plus those of the samples
 * the model has not reached. When the final window is all there, `take` returns it; when it
 * is not (the clip's context moved the peak to a dropped sample, a clip without a face...)
 * it returns undefined and the caller decodes the window as before.
 */
export class PeakCover {
  private readonly windows: number[][];
  private readonly held = new Map<number, RgbFrame>();
  private readonly probabilities: (number[] | undefined)[];
  /** Per emotion, the sample position where it is most probable so far. */
  private readonly leaders: number[] = [];
  private heldBytes = 0;
  private usable = true;
  readonly stats: PeakCoverStats = { peakFrames: 0, peakBytes: 0, converted: 0 };

  constructor(
    private readonly info: Pick<VideoInfo, 'frameCount' | 'fps'>,
    /** The model's frame indices, by sample position. */
    samples: number[],
    private readonly count: number,
    private readonly keyframes: readonly number[],
  ) {
    const fps = info.fps > 0 ? info.fps : 30;
    this.windows = samples.map((index) => peakWindowIndices(info, index / fps, count, keyframes));
    this.probabilities = new Array<number[] | undefined>(samples.length);
  }

  /**
   * Whether keeping the candidates in the model's pass costs less than decoding the final
   * window afterwards, counted in frames (a frame's decode and a frame's conversion to the
   * cover's size cost about the same, measured on 1080p H.264): the pass then decodes the
   * frames the model's frames did not need and converts every candidate, where a window
   * decode opens the file again, decodes from the window's keyframe and converts the window.
   * With short groups of pictures (a phone's 1 s) the window decode is cheaper; with long
   * ones (x264's default 250) it decodes most of the clip a second time. Never when the
   * candidates (at `frameBytes` each at most) could take more than {@link MAX_COVER_BYTES}.
   */
  paysOff(decodeCost: (indices: Iterable<number>) => number, samples: number[], frameBytes: number): boolean {
    const candidates = this.candidates();
    if (candidates.length * frameBytes > MAX_COVER_BYTES) return false;
    const model = decodeCost(samples);
    const inPass = decodeCost([...samples, ...candidates]) - model + candidates.length;
    const windows = this.windows.map((w) => decodeCost(w) + w.length);
    const afterwards = REOPEN_COST + windows.reduce((a, b) => a + b, 0) / Math.max(1, windows.length);
    return inPass <= afterwards;
  }

  /** Every frame some sample's window holds: what the pass decodes for the cover. */
  candidates(): number[] {
    return [...new Set(this.windows.flat())].sort((a, b) => a - b);
  }

  /** The decode request that fills the buffer (`crop` may still be unknown: a promise). */
  request(maxSide: number, crop: Promise<CropRect | undefined> | CropRect | undefined): FrameRequest {
    const settled = crop instanceof Promise ? undefined : crop;
    return {
      indices: this.candidates(),
      maxSide,
      crop: settled,
      stream: { keep: (i) => this.keeps(i), ...(crop instanceof Promise ? { crop } : {}) },
      onFrame: (i, frame) => this.add(i, frame),
    };
  }

  /** The model's provisional probabilities for sample `position`: the running peaks move. */
  scored(position: number, probabilities: number[]): void {
    if (position < 0 || position >= this.probabilities.length) return;
    this.probabilities[position] = probabilities;
    probabilities.forEach((p, k) => {
      const leader = this.leaders[k];
      // The earlier sample wins a tie, as pooling's peak does.
      if (
        leader === undefined ||
        p > this.probabilities[leader]![k] ||
        (p === this.probabilities[leader]![k] && position < leader)
      )
        this.leaders[k] = position;
    });
    for (const index of [...this.held.keys()]) if (!this.keeps(index)) this.drop(index);
  }

  /** The buffer cannot serve this clip (its crop is not the one the cover needs): stop keeping frames. */
  disable(): void {
    this.usable = false;
    for (const index of [...this.held.keys()]) this.drop(index);
  }

  /** The frames of the window around `peakT`, if all are held (then the buffer is emptied). */
  take(peakT: number): { indices: number[]; frames: RgbFrame[] } | undefined {
    const indices = peakWindowIndices(this.info, peakT, this.count, this.keyframes);
    const frames = indices.map((i) => this.held.get(i));
    this.release();
    if (!this.usable || frames.some((f) => f === undefined)) return undefined;
    return { indices, frames: frames as RgbFrame[] };
  }

  /** Lets go of every frame. */
  release(): void {
    this.held.clear();
    this.heldBytes = 0;
  }

  /** Whether frame `index` is in the window of a sample that can still be the peak. */
  private keeps(index: number): boolean {
    if (!this.usable) return false;
    const live = new Set(this.leaders);
    return this.windows.some(
      (w, s) => (this.probabilities[s] === undefined || live.has(s)) && w.includes(index),
    );
  }

  private add(index: number, frame: RgbFrame): void {
    this.stats.converted++;
    if (!this.keeps(index)) return;
    this.drop(index);
    this.held.set(index, frame);
    this.heldBytes += frame.data.byteLength;
    this.stats.peakFrames = Math.max(this.stats.peakFrames, this.held.size);
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.heldBytes);
  }

  private drop(index: number): void {
    const f = this.held.get(index);
    if (!f) return;
    this.held.delete(index);
    this.heldBytes -= f.data.byteLength;
  }
}
