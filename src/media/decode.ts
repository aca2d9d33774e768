import { AV_NOPTS_VALUE, AVERROR_EOF, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { Frame, Packet, Rational } from 'node-av/lib';

import { AppError } from '../errors.js';
import { convert, type ConversionRequest, type Converter, type CropRect } from './convert.js';
import { lowerDecoderThreadPriority, openDecoder } from './decoder.js';
import { closeInput, onlyStream, openVideoInput } from './input.js';
import { INDEXED_CODECS, packetsToSend, scanPacketIndex, type PacketIndex } from './packet-index.js';
import type { RgbFrame, VideoInfo } from './types.js';

/** One consumer's wish list for {@link decodeFrames}. */
export interface FrameRequest extends ConversionRequest {
  /** Frame indices (0-based, presentation order) in the order the frames should be returned; repeats allowed. */
  indices: number[];
  /**
   * Told of each wanted frame as soon as it is converted, during the pass (so work on
   * early frames can start while later ones decode). The returned arrays are what
   * counts: a frame that is later replaced (a short clip, damaged data) is not told again.
   */
  onFrame?: (index: number, frame: RgbFrame) => void;
  /**
   * A request served during the pass only (a cover's candidate frames): its frames go to
   * `onFrame` and nowhere else (its returned array is empty; a clip shorter than its header
   * or a damaged frame is not made up for). `keep(index)`, asked as each of its frames
   * decodes, can drop a frame it no longer needs before it is converted. A `crop` still
   * unknown when the pass starts can come as a promise: its frames are held (by reference,
   * a few at most, then the pass waits for it) until it settles.
   */
  stream?: { keep(index: number): boolean; crop?: Promise<CropRect | undefined> };
}

/** Options for {@link decodeFrames}. */
export interface DecodeOptions {
  /** Aborts the pass between packets; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Fewest decodable frames accepted (default 15; 1 for still images). */
  minFrames?: number;
  /** Decoder-side guard against frames larger than probed (default: twice the probed area). */
  maxPixels?: number;
  /**
   * Leave unwanted non-reference frames undecoded (H.264/HEVC with clean
   * timestamps; default true). Wanted frames are identical either way.
   */
  skipNonReference?: boolean;
  /** Filled in with what the decode did (for tests and benchmarks). */
  stats?: DecodeStats;
  /**
   * Told which step runs next: `scan` (demuxing the packets), `decode` (the
   * video decoder) or `filter` (conversion of a kept frame). Lets a worker say
   * where a native crash happened.
   */
  onStage?: (stage: 'scan' | 'decode' | 'filter') => void;
  /**
   * Decoder threads; 0 (default) lets FFmpeg use one per core. A pool that runs
   * several decodes at once on few cores can pass 1 to avoid oversubscription.
   */
  threads?: number;
  /**
   * The clip's packet index when the caller already read it ({@link MediaClip}):
   * no second scan. Null: the timestamps are unusable (count frames instead).
   */
  index?: PacketIndex | null;
  /**
   * Skip H.264/HEVC's in-loop deblocking filter (FFmpeg's `skip_loop_filter`):
   * faster, frames slightly softer and not bit-exact. For frames that only feed
   * the emotion model, never for thumbnails.
   */
  skipLoopFilter?: boolean;
  /**
   * A frame to decode before the others: a consumer that can start its work only once this
   * frame is in (the emotion model's seed frame) gets it early. In skip mode, when the frame's
   * group of pictures starts with an IDR picture, the pass first decodes that group up to it
   * (reading the file a second time from the group's keyframe), then the rest in order.
   * Frames are identical either way; elsewhere the option changes nothing.
   */
  first?: number;
  /**
   * The decoder's own threads run at a lower priority (see `lowerDecoderThreadPriority`), so
   * that a consumer working beside the pass (the emotion model's thread) keeps its core.
   */
  background?: boolean;
}

/** What one {@link decodeFrames} call did. */
export interface DecodeStats {
  /** Passes over the file (2 when the clip was much shorter than its header said). */
  passes: number;
  /** Whether the first pass skipped unwanted non-reference frames. */
  skippedNonReference: boolean;
  /** Whether the first pass decoded the `first` frame's group before the others. */
  ledWithFirst?: boolean;
  /** Frames the decoder actually produced, over all passes. */
  framesDecoded: number;
  /** Frames in the clip (as far as read). */
  frameCount: number;
}

/**
 * How many recently decoded frames are kept (by reference, no copy) near the end
 * of the requested range, so that a clip that turns out a few frames shorter
 * than its header said can still be served without a second pass.
 */
const TAIL_FRAMES = 6;

interface Plan {
  request: FrameRequest;
  /** Distinct wanted indices. */
  wanted: Set<number>;
  /** Wanted indices this pass has decoded (served, or dropped by a stream request's `keep`). */
  passed: Set<number>;
  got: Map<number, RgbFrame>;
  converter?: Converter;
  /** A stream request's frames waiting for its crop (undefined once it is known). */
  held?: TailEntry[];
  /** Whether a stream request's crop promise has settled. */
  cropSettled?: boolean;
}

interface TailEntry {
  index: number;
  t: number;
  frame: Frame;
}

/**
 * Decodes a clip once and serves several consumers from that single pass.
 *
 * Packets are streamed through the decoder (its own frame and slice threads);
 * only frames whose index some request wants are kept, each converted once per
 * request, inside FFmpeg (one filter graph per request: crop -> scale -> RGB24
 * -> transpose), to an upright RGB24 picture. Memory holds the requested output
 * frames, the decoder's own references and at most {@link TAIL_FRAMES} recent
 * frames near the end of the requested range; it does not grow with clip length.
 *
 * Frame indices count decoded frames in presentation order (what OpenCV's
 * sequential `read()` gives). When the clip holds fewer frames than the probe
 * estimated (a header's count or duration x fps can be a little off), requested
 * indices past the real end are mapped onto the last frames that exist: the k
 * missing indices of a request become the last k frames (kept in the tail ring),
 * or, when that is not enough, the pass is run again with every index of that
 * request rescaled by `realCount / estimatedCount`. Either way each request gets
 * exactly as many frames as it asked for, in non-decreasing index order. A
 * frame that cannot be decoded at all (damaged data) is replaced by the nearest
 * decoded frame of the same request; `RgbFrame.index` always tells which frame
 * was really returned.
 *
 * Still images go through the same path as a one-frame video.
 *
 * @throws AppError `too_few_frames` when fewer than `minFrames` frames decode,
 *   `decode_failed` when none does, plus the header refusals of {@link openVideoInput}.
 *
 * @example
 * ```ts
 * const info = await probeVideo(path, limits);
 * const [faces, thumbs] = await decodeFrames(path, info, [
 *   { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 256 },
 *   { indices: evenlySpacedIndices(info.frameCount, 15), maxSide: 480 },
 * ]);
 * ```
 */
export async function decodeFrames(
  path: string,
  info: VideoInfo,
  requests: FrameRequest[],
  opts: DecodeOptions = {},
): Promise<RgbFrame[][]> {
  const minFrames = opts.minFrames ?? (info.isImage ? 1 : 15);
  for (const r of requests) {
    for (const i of r.indices) {
      if (!Number.isInteger(i) || i < 0) throw new RangeError(`decodeFrames: bad frame index ${i}`);
    }
  }
  if (opts.stats)
    Object.assign(opts.stats, { passes: 0, skippedNonReference: false, framesDecoded: 0, frameCount: 0 });
  const plans = requests.map(makePlan);
  const first = await decodePass(path, info, plans, opts, minFrames, true);
  try {
    const count = first.count;
    if (count === 0) throw new AppError('decode_failed');
    if (count < minFrames) {
      throw new AppError(
        'too_few_frames',
        `Only ${count} frame(s) could be decoded; at least ${minFrames} are needed.`,
      );
    }
    const rerun: number[] = [];
    for (let p = 0; p < plans.length; p++) {
      const plan = plans[p];
      if (plan.request.stream) continue;
      const missing = [...plan.wanted].filter((i) => !plan.got.has(i)).sort((a, b) => a - b);
      if (missing.length === 0) continue;
      const kept = [...plan.got.keys()];
      const lastKept = kept.length ? Math.max(...kept) : -1;
      const k = missing.length;
      const firstTail = count - k;
      const inTail = new Set(first.tail.map((e) => e.index));
      let tailOk = first.eof && firstTail > lastKept;
      for (let j = firstTail; tailOk && j < count; j++) tailOk = inTail.has(j);
      if (!tailOk) {
        rerun.push(p);
        continue;
      }
      // Missing index missing[j] becomes frame count-k+j: the order is kept.
      const remap = new Map<number, number>();
      for (let j = 0; j < k; j++) {
        const target = firstTail + j;
        const entry = first.tail.find((e) => e.index === target)!;
        const rgb = await convert(plan, entry.frame, target, entry.t, info);
        plan.got.set(target, rgb);
        remap.set(missing[j], target);
      }
      plan.request = { ...plan.request, indices: plan.request.indices.map((i) => remap.get(i) ?? i) };
    }
    if (rerun.length > 0) {
      const maxIdx = (p: Plan): number => Math.max(...p.request.indices);
      const again = rerun.map((p) => {
        const old = plans[p];
        // Shrink (never stretch: indices may be missing because frames were damaged, not because the clip is short).
        const scale = Math.min(1, (count - 1) / Math.max(1, maxIdx(old)));
        const indices = old.request.indices.map((i) => Math.min(count - 1, Math.round(i * scale)));
        old.converter?.filter.close();
        const fresh = makePlan({ ...old.request, indices });
        plans[p] = fresh;
        return fresh;
      });
      const second = await runPass(path, info, again, opts, minFrames, false, undefined);
      releaseTail(second.tail);
    }
    return plans.map((plan) =>
      plan.request.stream ? [] : plan.request.indices.map((i) => plan.got.get(i) ?? nearestFrame(plan, i)),
    );
  } finally {
    releaseTail(first.tail);
    for (const plan of plans) plan.converter?.filter.close();
  }
}

/**
 * Last resort for an index whose frame never decoded (damaged data): the
 * closest decoded frame of the same request, the earlier one on a tie.
 */
function nearestFrame(plan: Plan, i: number): RgbFrame {
  let best: RgbFrame | undefined;
  for (const [j, f] of plan.got) {
    if (
      !best ||
      Math.abs(j - i) < Math.abs(best.index - i) ||
      (Math.abs(j - i) === Math.abs(best.index - i) && j < best.index)
    ) {
      best = f;
    }
  }
  if (!best) throw new AppError('decode_failed', `Frame ${i} could not be decoded.`);
  return best;
}

function makePlan(request: FrameRequest): Plan {
  const plan: Plan = { request, wanted: new Set(request.indices), passed: new Set(), got: new Map() };
  const crop = request.stream?.crop;
  if (crop) {
    plan.held = [];
    const settled = (): void => void (plan.cropSettled = true);
    crop.then(settled, settled);
  }
  return plan;
}

function releaseTail(tail: TailEntry[]): void {
  for (const e of tail) e.frame.free();
  tail.length = 0;
}

interface PassResult {
  /** Frames in the clip as far as read (the real frame count when `eof`). */
  count: number;
  /** True when the pass read to the end of the clip. */
  eof: boolean;
  tail: TailEntry[];
}

/** Thrown inside a skip-mode pass when timestamps cannot be trusted; the pass is redone counting frames. */
class PtsUnusable extends Error {}

/**
 * One pass, in one of two modes:
 * - counting: every frame is decoded; index = position in decoder output.
 * - skip (H.264/HEVC with clean timestamps): the packets are first scanned
 *   (demuxing only, no decoding) so that each frame's index is known before it
 *   is decoded: the rank of its packet's pts among all packets. Then a group of
 *   pictures (keyframe to keyframe) that holds no wanted frame is not sent to
 *   the decoder at all (unless the next group is wanted and starts with a
 *   non-IDR keyframe: an open GOP's leading frames may reference it), and
 *   inside the groups that are sent, frames that no request wants and that no
 *   other frame references are skipped (skip_frame=noref). Every frame that is
 *   decoded is decoded from all its references, so kept frames are bit-exact
 *   with a full decode. Falls back to counting when timestamps are missing or
 *   duplicated.
 */
async function decodePass(
  path: string,
  info: VideoInfo,
  plans: Plan[],
  opts: DecodeOptions,
  minFrames: number,
  keepTail: boolean,
): Promise<PassResult> {
  const skip = (opts.skipNonReference ?? true) && INDEXED_CODECS.has(info.codec);
  if (skip) {
    try {
      let index = opts.index;
      if (index === undefined) {
        opts.onStage?.('scan');
        index = await scanPacketIndex(path, decoderPixelGuard(info, opts), info.codec, opts.signal);
      }
      if (index) return await runPass(path, info, plans, opts, minFrames, keepTail, index);
    } catch (err) {
      if (!(err instanceof PtsUnusable)) throw err;
      for (const plan of plans) {
        plan.got.clear();
        plan.passed.clear();
      }
    }
  }
  return runPass(path, info, plans, opts, minFrames, keepTail, undefined);
}

/**
 * The decoder's `max_pixels` for a clip. Decoders count their padded buffer (e.g.
 * 512x270 for a 480x270 H.264), so the default guard leaves room above the probed
 * area; it only has to stop a stream that switches to a huge size mid-way.
 */
function decoderPixelGuard(info: VideoInfo, opts: DecodeOptions): number {
  return opts.maxPixels ?? info.width * info.height * 2 + 65536;
}

/** What a pass sends and keeps, fixed before it starts (see {@link planPass}; a lead recomputes `sendPacket`). */
interface PassPlan {
  /** Frames from this index on are kept in the tail ring. */
  tailFrom: number;
  /** Whether frame `i` is still needed by some request (or the tail). */
  needed: (i: number) => boolean;
  /** Skip mode: which packets (decode order) reach the decoder. */
  sendPacket?: boolean[];
}

/**
 * The pass's plan. Counting mode cannot know where the clip ends, so it keeps the last
 * frames before the highest wanted index; skip mode knows the exact count and keeps just
 * the frames a clip shorter than its header will need.
 */
function planPass(plans: Plan[], keepTail: boolean, scan: PacketIndex | undefined): PassPlan {
  const maxWanted = Math.max(-1, ...plans.filter((p) => !p.request.stream).flatMap((p) => [...p.wanted]));
  let tailFrom = keepTail && !scan ? maxWanted - 2 * TAIL_FRAMES : Number.POSITIVE_INFINITY;
  if (scan && keepTail) {
    const short = Math.max(
      0,
      ...plans
        .filter((p) => !p.request.stream)
        .map((p) => [...p.wanted].filter((i) => i >= scan.count).length),
    );
    if (short > 0 && short <= TAIL_FRAMES) tailFrom = scan.count - short;
  }
  const needed = (i: number): boolean =>
    i >= tailFrom || plans.some((p) => p.wanted.has(i) && !p.passed.has(i));
  return { tailFrom, needed, sendPacket: scan ? packetsToSend(scan, needed) : undefined };
}

/**
 * One pass over the file: open, read the video packets (checked against the scan in skip
 * mode, unwanted ones not sent), decode, and hand each wanted frame to its requests.
 */
async function runPass(
  path: string,
  info: VideoInfo,
  plans: Plan[],
  opts: DecodeOptions,
  minFrames: number,
  keepTail: boolean,
  scan: PacketIndex | undefined,
): Promise<PassResult> {
  const maxPixels = decoderPixelGuard(info, opts);
  const { fmt, stream } = await openVideoInput(path, maxPixels);
  const tail: TailEntry[] = [];
  try {
    onlyStream(fmt, stream);
    // The index was read through another context: re-reading from a fresh open
    // gives exactly the same packet sequence (checked packet by packet), which a seek does not promise.
    opts.onStage?.('decode');
    const dec = await openDecoder(stream, maxPixels, opts.threads ?? 0, {
      skipLoopFilter: opts.skipLoopFilter === true,
    });
    const pass = new Pass(info, plans, opts, planPass(plans, keepTail, scan), scan, dec, stream, tail);
    try {
      if (opts.first !== undefined) await pass.lead(path, opts.first, maxPixels);
      const eof = await pass.run(fmt, minFrames);
      await pass.flushHeld();
      return pass.result(eof);
    } finally {
      pass.free();
    }
  } catch (err) {
    releaseTail(tail);
    throw err;
  } finally {
    await closeInput(fmt);
  }
}

type InputContext = Awaited<ReturnType<typeof openVideoInput>>['fmt'];
type VideoStream = Awaited<ReturnType<typeof openVideoInput>>['stream'];
type Decoder = Awaited<ReturnType<typeof openDecoder>>;

/** How many decoded frames a stream request may hold (by reference) while its crop is not known. */
const HELD_FRAMES = 6;

/** The decode loop of one pass, step by step: read a packet, send it, receive frames, serve them. */
class Pass {
  private readonly pkt = new Packet();
  private readonly frame = new Frame();
  private readonly tbNum: number;
  private readonly start: bigint | undefined;
  private firstPts: bigint | undefined;
  private decoded = 0;
  private skipping = false;
  private packetNo = 0;
  private led = false;

  constructor(
    private readonly info: VideoInfo,
    private readonly plans: Plan[],
    private readonly opts: DecodeOptions,
    private readonly plan: PassPlan,
    private readonly scan: PacketIndex | undefined,
    private readonly dec: Decoder,
    private readonly stream: VideoStream,
    private readonly tail: TailEntry[],
  ) {
    this.pkt.alloc();
    this.frame.alloc();
    const tb = stream.timeBase;
    this.tbNum = tb.num / (tb.den || 1);
    this.start = stream.startTime !== AV_NOPTS_VALUE ? stream.startTime : undefined;
  }

  /** Reads and decodes until every wanted frame is in (and the clip is long enough) or the end; true at the end. */
  async run(fmt: InputContext, minFrames: number): Promise<boolean> {
    let draining = false;
    for (;;) {
      this.opts.signal?.throwIfAborted();
      if (!draining) draining = await this.feed(fmt);
      const r = await this.receive();
      if (r === AVERROR_EOF || (draining && r < 0)) return true;
      // Every wanted frame is in and the clip is proven long enough: stop early.
      if (!this.remaining() && this.frameCount() >= minFrames) return false;
    }
  }

  /** Reads the next video packet and sends it (or not: skip mode); true once the file is read. */
  private async feed(fmt: InputContext): Promise<boolean> {
    const pkt = this.pkt;
    let r = await fmt.readFrame(pkt);
    while (r >= 0 && pkt.streamIndex !== this.stream.index) {
      pkt.unref();
      r = await fmt.readFrame(pkt);
    }
    if (r < 0) {
      await this.dec.sendPacket(null);
      return true;
    }
    let send = true;
    const { scan, plan } = this;
    if (scan && plan.sendPacket) {
      const no = this.packetNo++;
      if (scan.pts[no] !== pkt.pts) throw new PtsUnusable(); // the second read must match the scan
      send = plan.sendPacket[no];
      if (send) this.skipUnwanted(scan, pkt.pts);
    }
    // Corrupt packets are skipped like the ffmpeg CLI does; the frame count decides.
    if (send) await this.dec.sendPacket(pkt);
    pkt.unref();
    return false;
  }

  /** Skip mode: the decoder leaves the next frame undecoded when nothing wants it and nothing references it. */
  private skipUnwanted(scan: PacketIndex, pts: bigint): void {
    const rank = scan.rank.get(pts);
    const want = rank !== undefined && this.plan.needed(rank);
    if (want === this.skipping) {
      this.skipping = !want;
      if (this.dec.setOption('skip_frame', this.skipping ? 'noref' : 'default') < 0) throw new PtsUnusable();
    }
  }

  /**
   * Decodes frame `first`'s group of pictures up to it before the pass starts (see
   * `DecodeOptions.first`), when the index shows it can be done exactly: skip mode, an IDR
   * group after the first, a clean start time, no tail kept. The group is read through a
   * context of its own, sought to its keyframe; every packet must match the index, and at the
   * first surprise the lead stops (what it decoded is exact: the group's packets from its
   * keyframe, in order). The decoder is then drained and reset, and the pass skips what the
   * lead served.
   */
  async lead(path: string, first: number, maxPixels: number): Promise<void> {
    const scan = this.scan;
    if (!scan || !this.plan.sendPacket || this.start === undefined) return;
    if (this.plan.tailFrom !== Number.POSITIVE_INFINITY || !this.plan.needed(first)) return;
    const at = scan.pts.findIndex((p) => scan.rank.get(p) === first);
    const group = at < 0 ? 0 : scan.gop[at];
    if (group === 0 || !scan.closed[group]) return;
    const from = scan.gop.indexOf(group);
    const { fmt, stream } = await openVideoInput(path, maxPixels);
    try {
      onlyStream(fmt, stream);
      if ((await fmt.seekFrame(stream.index, scan.pts[from], AVSEEK_FLAG_BACKWARD)) < 0) return;
      this.led = await this.sendGroup(fmt, stream.index, scan, from, at);
    } finally {
      await closeInput(fmt);
    }
    await this.dec.sendPacket(null);
    while ((await this.receive()) >= 0);
    this.dec.flushBuffers();
    if (this.skipping && this.dec.setOption('skip_frame', 'default') < 0) throw new PtsUnusable();
    this.skipping = false;
    this.plan.sendPacket = packetsToSend(scan, this.plan.needed);
  }

  /** Sends packets `from`..`to` (decode order) from a context sought before `from`; false if the file surprised. */
  private async sendGroup(
    fmt: InputContext,
    streamIndex: number,
    scan: PacketIndex,
    from: number,
    to: number,
  ): Promise<boolean> {
    const pkt = this.pkt;
    let no = from;
    let before = 0;
    try {
      while (no <= to && (await fmt.readFrame(pkt)) >= 0) {
        // A seek may land a little before the keyframe: read up to it (not far).
        const early = pkt.streamIndex === streamIndex && no === from && pkt.pts !== scan.pts[from];
        if (early && ++before > 2 * (to - from) + 60) return false;
        if (pkt.streamIndex !== streamIndex || early) {
          pkt.unref();
          continue;
        }
        if (pkt.pts !== scan.pts[no]) return false;
        this.skipUnwanted(scan, pkt.pts);
        await this.dec.sendPacket(pkt);
        pkt.unref();
        no++;
        await this.receive();
      }
      return no > to;
    } finally {
      pkt.unref();
    }
  }

  /** Takes every frame the decoder has ready; returns the decoder's last code. */
  private async receive(): Promise<number> {
    let r: number;
    while ((r = await this.dec.receiveFrame(this.frame)) >= 0) {
      let index = this.decoded;
      if (this.scan) {
        const rank = this.scan.rank.get(this.frame.pts);
        if (rank === undefined) throw new PtsUnusable();
        index = rank;
      }
      if (this.decoded++ === 0 && this.opts.background) lowerDecoderThreadPriority();
      await this.serve(index);
      this.frame.unref();
    }
    return r;
  }

  private frameTime(index: number): number {
    const pts = this.frame.bestEffortTimestamp;
    if (pts === AV_NOPTS_VALUE) return this.info.fps > 0 ? index / this.info.fps : 0;
    this.firstPts ??= this.start ?? pts;
    return Math.max(0, Number(pts - this.firstPts) * this.tbNum);
  }

  /** The decoded frame `index` to every request that wants it, and to the tail ring. */
  private async serve(index: number): Promise<void> {
    const frame = this.frame;
    const t = this.frameTime(index);
    const tb = this.stream.timeBase;
    frame.timeBase = new Rational(tb.num, tb.den);
    for (const plan of this.plans) {
      if (!plan.wanted.has(index) || plan.passed.has(index)) continue;
      plan.passed.add(index);
      const live = plan.request.stream;
      if (live && !live.keep(index)) continue;
      if (plan.held) {
        if (!plan.cropSettled) {
          await this.hold(plan, index, t);
          continue;
        }
        await this.settle(plan);
      }
      await this.deliver(plan, frame, index, t);
    }
    if (index >= this.plan.tailFrom) {
      const ref = frame.clone();
      if (ref) {
        this.tail.push({ index, t, frame: ref });
        if (this.tail.length > TAIL_FRAMES) this.tail.shift()?.frame.free();
      }
    }
  }

  private async deliver(plan: Plan, frame: Frame, index: number, t: number): Promise<void> {
    this.opts.onStage?.('filter');
    const rgb = await convert(plan, frame, index, t, this.info);
    if (!plan.request.stream) plan.got.set(index, rgb);
    this.opts.onStage?.('decode');
    plan.request.onFrame?.(index, rgb);
  }

  /** A stream request whose crop is not settled: keep the frame by reference (the decoder goes on). */
  private async hold(plan: Plan, index: number, t: number): Promise<void> {
    const ref = this.frame.clone();
    if (ref) plan.held!.push({ index, t, frame: ref });
    if (plan.held!.length >= HELD_FRAMES) await this.settle(plan);
  }

  /** Waits for a stream request's crop, then converts what it held. */
  private async settle(plan: Plan): Promise<void> {
    const held = plan.held;
    if (!held) return;
    const crop = await plan.request.stream!.crop;
    plan.request = { ...plan.request, crop };
    plan.held = undefined;
    try {
      for (const e of held) await this.deliver(plan, e.frame, e.index, e.t);
    } finally {
      releaseTail(held);
    }
  }

  /** At the end of the pass, stream requests still waiting for their crop get it. */
  async flushHeld(): Promise<void> {
    for (const plan of this.plans) await this.settle(plan);
  }

  private remaining(): boolean {
    return this.plans.some((p) => p.passed.size < p.wanted.size);
  }

  private frameCount(): number {
    return this.scan?.count ?? this.decoded;
  }

  result(eof: boolean): PassResult {
    const stats = this.opts.stats;
    if (stats) {
      stats.passes++;
      stats.framesDecoded += this.decoded;
      stats.frameCount = this.frameCount();
      if (stats.passes === 1) {
        stats.skippedNonReference = this.scan !== undefined;
        stats.ledWithFirst = this.led;
      }
    }
    return { count: this.decoded === 0 ? 0 : this.frameCount(), eof, tail: this.tail };
  }

  free(): void {
    for (const plan of this.plans) if (plan.held) releaseTail(plan.held);
    this.frame.free();
    this.pkt.free();
    this.dec.freeContext();
  }
}
