import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD, AVDISCARD_ALL, AVERROR_EOF } from 'node-av/constants';
import { FilterAPI } from 'node-av/api';
import { Frame, Packet, Rational } from 'node-av/lib';

import { AppError } from '../errors.js';
import { openDecoder } from './decoder.js';
import { closeInput, openVideoInput } from './input.js';
import type { RgbFrame, VideoInfo } from './types.js';

/** A rectangle in display (upright, rotation applied) pixel coordinates of the source. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One consumer's wish list for {@link decodeFrames}. */
export interface FrameRequest {
  /** Frame indices (0-based, presentation order) in the order the frames should be returned; repeats allowed. */
  indices: number[];
  /** Long side of the output in pixels (aspect kept, never upscaled, even dimensions); 0 keeps the source size. */
  maxSide: number;
  /** Optional crop, in display coordinates of the source, applied before scaling. */
  crop?: CropRect;
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
}

/** What one {@link decodeFrames} call did. */
export interface DecodeStats {
  /** Passes over the file (2 when the clip was much shorter than its header said). */
  passes: number;
  /** Whether the first pass skipped unwanted non-reference frames. */
  skippedNonReference: boolean;
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
  got: Map<number, RgbFrame>;
  converter?: Converter;
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
      const second = await runPass(path, info, again, opts, minFrames, false, false);
      releaseTail(second.tail);
    }
    return plans.map((plan) => plan.request.indices.map((i) => plan.got.get(i) ?? nearestFrame(plan, i)));
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
  return { request, wanted: new Set(request.indices), got: new Map() };
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

/** Codecs whose decoders honour skip_frame=noref and keep packet pts on frames. */
const SKIP_NONREF_CODECS = new Set(['h264', 'hevc']);

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
  const skip = (opts.skipNonReference ?? true) && SKIP_NONREF_CODECS.has(info.codec);
  if (skip) {
    try {
      return await runPass(path, info, plans, opts, minFrames, keepTail, true);
    } catch (err) {
      if (!(err instanceof PtsUnusable)) throw err;
      for (const plan of plans) plan.got.clear();
    }
  }
  return runPass(path, info, plans, opts, minFrames, keepTail, false);
}

async function runPass(
  path: string,
  info: VideoInfo,
  plans: Plan[],
  opts: DecodeOptions,
  minFrames: number,
  keepTail: boolean,
  skipMode: boolean,
): Promise<PassResult> {
  // Decoders count their padded buffer (e.g. 512x270 for a 480x270 H.264), so
  // the default guard leaves room above the probed area; it only has to stop a
  // stream that switches to a huge size mid-way.
  const maxPixels = opts.maxPixels ?? info.width * info.height * 2 + 65536;
  const { fmt, stream } = await openVideoInput(path, maxPixels);
  const tail: TailEntry[] = [];
  try {
    for (const s of fmt.streams) if (s.index !== stream.index) s.discard = AVDISCARD_ALL;
    // The scan reads the file through its own context: re-reading from a fresh
    // open gives exactly the same packet sequence, which a seek does not promise.
    if (skipMode) opts.onStage?.('scan');
    const scan = skipMode ? await scanPackets(path, maxPixels, info.codec, opts.signal) : undefined;
    opts.onStage?.('decode');
    const maxWanted = Math.max(-1, ...plans.flatMap((p) => [...p.wanted]));
    // Frames from this index on are kept in the tail ring. Counting mode cannot
    // know where the clip ends, so it keeps the last frames before the highest
    // wanted index; skip mode knows the exact count and keeps just the frames a
    // clip shorter than its header will need.
    let tailFrom = keepTail && !scan ? maxWanted - 2 * TAIL_FRAMES : Number.POSITIVE_INFINITY;
    if (scan && keepTail) {
      const short = Math.max(0, ...plans.map((p) => [...p.wanted].filter((i) => i >= scan.count).length));
      if (short > 0 && short <= TAIL_FRAMES) tailFrom = scan.count - short;
    }
    const remaining = (): boolean => plans.some((p) => p.got.size < p.wanted.size);
    const needed = (i: number): boolean =>
      i >= tailFrom || plans.some((p) => p.wanted.has(i) && !p.got.has(i));
    const sendGop = scan ? gopsToSend(scan, needed) : undefined;

    const dec = await openDecoder(stream, maxPixels, opts.threads ?? 0);
    const pkt = new Packet();
    pkt.alloc();
    const frame = new Frame();
    frame.alloc();
    const tb = stream.timeBase;
    const tbNum = tb.num / (tb.den || 1);
    const start = stream.startTime !== AV_NOPTS_VALUE ? stream.startTime : undefined;
    let firstPts: bigint | undefined;
    let decoded = 0;
    let eof = false;
    let skipping = false;
    let packetNo = 0;
    const frameCount = (): number => scan?.count ?? decoded;

    const onFrame = async (index: number): Promise<void> => {
      const pts = frame.bestEffortTimestamp;
      let t: number;
      if (pts !== AV_NOPTS_VALUE) {
        firstPts ??= start ?? pts;
        t = Math.max(0, Number(pts - firstPts) * tbNum);
      } else {
        t = info.fps > 0 ? index / info.fps : 0;
      }
      frame.timeBase = new Rational(tb.num, tb.den);
      for (const plan of plans) {
        if (plan.wanted.has(index) && !plan.got.has(index)) {
          opts.onStage?.('filter');
          plan.got.set(index, await convert(plan, frame, index, t, info));
          opts.onStage?.('decode');
        }
      }
      if (index >= tailFrom) {
        const ref = frame.clone();
        if (ref) {
          tail.push({ index, t, frame: ref });
          if (tail.length > TAIL_FRAMES) tail.shift()?.frame.free();
        }
      }
    };

    try {
      let draining = false;
      for (;;) {
        opts.signal?.throwIfAborted();
        if (!draining) {
          let r = await fmt.readFrame(pkt);
          while (r >= 0 && pkt.streamIndex !== stream.index) {
            pkt.unref();
            r = await fmt.readFrame(pkt);
          }
          if (r < 0) {
            draining = true;
            await dec.sendPacket(null);
          } else {
            let send = true;
            if (scan && sendGop) {
              const no = packetNo++;
              if (scan.pts[no] !== pkt.pts) throw new PtsUnusable(); // the second read must match the scan
              send = sendGop[scan.gop[no]];
              const rank = scan.rank.get(pkt.pts);
              const want = rank !== undefined && needed(rank);
              if (send && want === skipping) {
                skipping = !want;
                if (dec.setOption('skip_frame', skipping ? 'noref' : 'default') < 0) throw new PtsUnusable();
              }
            }
            // Corrupt packets are skipped like the ffmpeg CLI does; the frame count decides.
            if (send) await dec.sendPacket(pkt);
            pkt.unref();
          }
        }
        let r: number;
        while ((r = await dec.receiveFrame(frame)) >= 0) {
          let index = decoded;
          if (scan) {
            const rank = scan.rank.get(frame.pts);
            if (rank === undefined) throw new PtsUnusable();
            index = rank;
          }
          decoded++;
          await onFrame(index);
          frame.unref();
        }
        if (r === AVERROR_EOF || (draining && r < 0)) {
          eof = true;
          break;
        }
        // Every wanted frame is in and the clip is proven long enough: stop early.
        if (!remaining() && frameCount() >= minFrames) break;
      }
      if (opts.stats) {
        opts.stats.passes++;
        opts.stats.framesDecoded += decoded;
        opts.stats.frameCount = frameCount();
        if (opts.stats.passes === 1) opts.stats.skippedNonReference = skipMode;
      }
      if (decoded === 0) return { count: 0, eof, tail };
      return { count: frameCount(), eof, tail };
    } finally {
      frame.free();
      pkt.free();
      dec.freeContext();
    }
  } catch (err) {
    releaseTail(tail);
    throw err;
  } finally {
    await closeInput(fmt);
  }
}

interface PacketScan {
  /** Video packets (not flagged discard) = frames in the clip. */
  count: number;
  /** Per packet in decode order: its pts and its group-of-pictures number. */
  pts: bigint[];
  gop: number[];
  /** Presentation rank (frame index) of each counted packet, by pts. */
  rank: Map<bigint, number>;
  /** Per group: true when it starts with an IDR picture, so nothing in it references the group before. */
  closed: boolean[];
}

/** Demuxes the whole video stream (no decoding) to learn every frame's index and group of pictures. */
async function scanPackets(
  path: string,
  maxPixels: number,
  codec: string,
  signal?: AbortSignal,
): Promise<PacketScan> {
  const { fmt, stream } = await openVideoInput(path, maxPixels);
  const streamIndex = stream.index;
  const lengthSize = nalLengthSize(stream.codecpar.extradata, codec);
  const closed: boolean[] = [false];
  for (const s of fmt.streams) if (s.index !== streamIndex) s.discard = AVDISCARD_ALL;
  const pkt = new Packet();
  pkt.alloc();
  const pts: bigint[] = [];
  const gop: number[] = [];
  const counted: bigint[] = [];
  let g = 0;
  try {
    while ((await fmt.readFrame(pkt)) >= 0) {
      signal?.throwIfAborted();
      if (pkt.streamIndex === streamIndex) {
        if (pkt.pts === AV_NOPTS_VALUE) throw new PtsUnusable();
        if (pkt.isKeyframe && pts.length > 0) {
          g++;
          closed[g] = startsClosedGop(pkt.data, codec, lengthSize);
        }
        pts.push(pkt.pts);
        gop.push(g);
        if (!((pkt.flags as number) & (AV_PKT_FLAG_DISCARD as number))) counted.push(pkt.pts);
      }
      pkt.unref();
    }
  } finally {
    pkt.free();
    await closeInput(fmt);
  }
  const sorted = [...counted].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map<bigint, number>();
  sorted.forEach((p, i) => rank.set(p, i));
  if (rank.size !== sorted.length) throw new PtsUnusable(); // duplicate timestamps
  return { count: sorted.length, pts, gop, rank, closed };
}

/**
 * Which groups of pictures must reach the decoder: those with a needed frame,
 * and the one before each such group unless that group starts with an IDR
 * picture (an open GOP's leading frames reference the group before).
 */
function gopsToSend(scan: PacketScan, needed: (index: number) => boolean): boolean[] {
  const groups = (scan.gop[scan.gop.length - 1] ?? 0) + 1;
  const has = new Array<boolean>(groups).fill(false);
  scan.pts.forEach((p, i) => {
    const r = scan.rank.get(p);
    if (r !== undefined && needed(r)) has[scan.gop[i]] = true;
  });
  return has.map((h, g) => h || ((has[g + 1] ?? false) && !scan.closed[g + 1]));
}

/** NAL length-prefix size of an avcC/hvcC stream, or 0 for Annex B start codes. */
export function nalLengthSize(extradata: Buffer | null, codec: string): number {
  if (!extradata || extradata.length < 23 || extradata[0] !== 1) return 0;
  return ((codec === 'hevc' ? extradata[21] : extradata[4]) & 3) + 1;
}

/**
 * True when an H.264/HEVC access unit holds an IDR picture (nothing after it
 * references anything before it). Unknown layouts answer false, the safe side.
 */
export function startsClosedGop(data: Buffer | null, codec: string, lengthSize: number): boolean {
  if (!data) return false;
  const isIdr = (header: number): boolean => {
    if (codec === 'h264') return (header & 0x1f) === 5;
    const t = (header >> 1) & 0x3f;
    return t === 19 || t === 20; // IDR_W_RADL, IDR_N_LP
  };
  if (lengthSize > 0) {
    let off = 0;
    while (off + lengthSize < data.length) {
      const len = data.readUIntBE(off, lengthSize);
      if (len <= 0 || off + lengthSize + len > data.length) return false;
      if (isIdr(data[off + lengthSize])) return true;
      off += lengthSize + len;
    }
    return false;
  }
  for (let i = 0; i + 3 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1 && isIdr(data[i + 3])) return true;
  }
  return false;
}

interface Converter {
  filter: FilterAPI;
  /** Source frame geometry the graph was built for. */
  key: string;
}

/** Output size for a crop of `w`x`h` display pixels and a long side of `maxSide` (0 = keep). */
export function outputSize(w: number, h: number, maxSide: number): { width: number; height: number } {
  const scale = maxSide > 0 && Math.max(w, h) > maxSide ? maxSide / Math.max(w, h) : 1;
  const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));
  return { width: even(w * scale), height: even(h * scale) };
}

/**
 * The filter graph that turns one decoded frame (coded orientation, size
 * `srcW`x`srcH`) into the upright RGB24 picture a request wants. Pure; exported
 * for tests.
 */
export function conversionFilter(
  srcW: number,
  srcH: number,
  rotation: number,
  request: Pick<FrameRequest, 'maxSide' | 'crop'>,
  pixelAspect = 1,
): { description: string; width: number; height: number } {
  const swap = rotation === 90 || rotation === 270;
  // Square-pixel width of the coded picture (non-square pixels stretch it).
  const sqW = Math.max(1, Math.round(srcW * pixelAspect));
  const dispW = swap ? srcH : sqW;
  const dispH = swap ? sqW : srcH;
  const c = clampCrop(request.crop, dispW, dispH);
  const out = outputSize(c.width, c.height, request.maxSide);
  // Crop rectangle in square-pixel coded coordinates: invert the display rotation.
  let qx: number, qy: number, qw: number, qh: number;
  switch (rotation) {
    case 90: // transpose=clock: display(x, y) = source(y, H-1-x)
      [qx, qy, qw, qh] = [c.y, srcH - c.x - c.width, c.height, c.width];
      break;
    case 180:
      [qx, qy, qw, qh] = [sqW - c.x - c.width, srcH - c.y - c.height, c.width, c.height];
      break;
    case 270: // transpose=cclock: display(x, y) = source(W-1-y, x)
      [qx, qy, qw, qh] = [sqW - c.y - c.height, c.x, c.height, c.width];
      break;
    default:
      [qx, qy, qw, qh] = [c.x, c.y, c.width, c.height];
  }
  // Back to coded pixels (only x and width change with the pixel aspect).
  let sx = qx;
  let sw = qw;
  if (sqW !== srcW) {
    sx = Math.min(srcW - 1, Math.round(qx / pixelAspect));
    sw = Math.max(1, Math.min(srcW - sx, Math.round(qw / pixelAspect)));
  }
  const [sy, sh] = [qy, qh];
  const parts: string[] = [];
  if (sx !== 0 || sy !== 0 || sw !== srcW || sh !== srcH) parts.push(`crop=${sw}:${sh}:${sx}:${sy}:exact=1`);
  const scaledW = swap ? out.height : out.width;
  const scaledH = swap ? out.width : out.height;
  // Area averaging when shrinking (no aliasing on faces), bicubic otherwise; the
  // scaler also does the YUV -> RGB conversion in the same pass.
  const flags = scaledW < sw || scaledH < sh ? 'area' : 'bicubic';
  parts.push(`scale=${scaledW}:${scaledH}:flags=${flags}`, 'format=rgb24');
  if (rotation === 90) parts.push('transpose=clock');
  else if (rotation === 270) parts.push('transpose=cclock');
  else if (rotation === 180) parts.push('hflip', 'vflip');
  return { description: parts.join(','), width: out.width, height: out.height };
}

function clampCrop(crop: CropRect | undefined, w: number, h: number): CropRect {
  if (!crop) return { x: 0, y: 0, width: w, height: h };
  const x = Math.min(Math.max(0, Math.round(crop.x)), w - 1);
  const y = Math.min(Math.max(0, Math.round(crop.y)), h - 1);
  const width = Math.max(1, Math.min(Math.round(crop.width), w - x));
  const height = Math.max(1, Math.min(Math.round(crop.height), h - y));
  return { x, y, width, height };
}

async function convert(
  plan: Plan,
  frame: Frame,
  index: number,
  t: number,
  info: VideoInfo,
): Promise<RgbFrame> {
  const key = `${frame.width}x${frame.height}`;
  if (plan.converter?.key !== key) {
    plan.converter?.filter.close();
    const { description } = conversionFilter(
      frame.width,
      frame.height,
      info.rotation,
      plan.request,
      info.pixelAspect,
    );
    plan.converter = { key, filter: FilterAPI.create(description, { graph: { nbThreads: 1 } }) };
  }
  const outs = await plan.converter.filter.processAll(frame);
  try {
    const out = outs[outs.length - 1];
    if (!out) throw new AppError('decode_failed', `Frame ${index} could not be converted.`);
    return { index, t, width: out.width, height: out.height, data: new Uint8Array(out.toBuffer()) };
  } finally {
    for (const o of outs) o.free();
  }
}
