/**
 * The packet index of a clip's video stream: every frame's presentation rank and
 * group of pictures, learnt by demuxing alone (no decoding). It lets a decode pass
 * know each frame's index before decoding it, and skip what no request needs.
 * Internal to src/media.
 */
import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD } from 'node-av/constants';
import { Packet, type FormatContext, type Stream } from 'node-av/lib';

import { closeInput, onlyStream, openVideoInput } from './input.js';

/** Codecs whose packets are indexed (their decoders honour skip_frame=noref and keep packet pts on frames). */
export const INDEXED_CODECS = new Set(['h264', 'hevc']);

export interface PacketIndex {
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

/**
 * Reads every packet of `stream` from `fmt` (which must be at the start of the
 * file; other streams are discarded) into an index. Null when the timestamps
 * cannot serve as frame identities (missing or duplicated).
 */
export async function readPacketIndex(
  fmt: FormatContext,
  stream: Stream,
  codec: string,
  signal?: AbortSignal,
): Promise<PacketIndex | null> {
  const streamIndex = stream.index;
  const lengthSize = nalLengthSize(stream.codecpar.extradata, codec);
  const closed: boolean[] = [false];
  onlyStream(fmt, stream);
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
        if (pkt.pts === AV_NOPTS_VALUE) return null;
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
  }
  const sorted = [...counted].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map<bigint, number>();
  sorted.forEach((p, i) => rank.set(p, i));
  if (rank.size !== sorted.length) return null; // duplicate timestamps
  return { count: sorted.length, pts, gop, rank, closed };
}

/** {@link readPacketIndex} through a context of its own. */
export async function scanPacketIndex(
  path: string,
  maxPixels: number,
  codec: string,
  signal?: AbortSignal,
): Promise<PacketIndex | null> {
  const { fmt, stream } = await openVideoInput(path, maxPixels);
  try {
    return await readPacketIndex(fmt, stream, codec, signal);
  } finally {
    await closeInput(fmt);
  }
}

/**
 * Per frame (by presentation rank): how many packets of its group of pictures
 * precede it in decode order, i.e. roughly what decoding it costs once its group
 * is started (0 for the keyframe).
 */
export function groupOffsets(index: PacketIndex): number[] {
  const out = new Array<number>(index.count).fill(0);
  let start = 0;
  index.pts.forEach((p, i) => {
    if (i > 0 && index.gop[i] !== index.gop[i - 1]) start = i;
    const r = index.rank.get(p);
    if (r !== undefined) out[r] = i - start;
  });
  return out;
}

/**
 * Which packets (decode order) must reach the decoder so that every needed frame
 * decodes exactly as in a full decode: in a group of pictures holding a needed
 * frame, its packets up to the last needed one (nothing later in decode order can
 * be a reference of an earlier one); the whole group before a needed group that
 * does not start with an IDR picture (an open GOP's leading frames reference it);
 * nothing of the other groups.
 */
export function packetsToSend(scan: PacketIndex, needed: (index: number) => boolean): boolean[] {
  const groups = (scan.gop[scan.gop.length - 1] ?? 0) + 1;
  const lastNeeded = new Array<number>(groups).fill(-1);
  scan.pts.forEach((p, i) => {
    const r = scan.rank.get(p);
    if (r !== undefined && needed(r)) lastNeeded[scan.gop[i]] = i;
  });
  const whole = lastNeeded.map((_, g) => (lastNeeded[g + 1] ?? -1) >= 0 && !scan.closed[g + 1]);
  return scan.gop.map((g, i) => whole[g] || i <= lastNeeded[g]);
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
