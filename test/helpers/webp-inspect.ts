/**
 * A tiny animated-WebP inspector: reads the RIFF chunks of our thumbnail output
 * (size, loop count, frame durations) without a decoder.
 */

/** What the RIFF chunks of an animated WebP say (enough to check our output without a decoder). */
export interface WebpAnimationInfo {
  width: number;
  height: number;
  /** 0 = loops forever. */
  loopCount: number;
  frames: number;
  /** Frame durations in ms. */
  durations: number[];
}

/** Parses the RIFF structure of an animated WebP; throws when it is not one. */
export function inspectAnimatedWebp(buf: Buffer): WebpAnimationInfo {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WEBP')
    throw new Error('not a WebP');
  let off = 12;
  let width = 0;
  let height = 0;
  let loopCount = -1;
  const durations: number[] = [];
  let animated = false;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'VP8X') {
      animated = (buf[body] & 0x02) !== 0;
      width = 1 + buf.readUIntLE(body + 4, 3);
      height = 1 + buf.readUIntLE(body + 7, 3);
    } else if (id === 'ANIM') {
      loopCount = buf.readUInt16LE(body + 4);
    } else if (id === 'ANMF') {
      durations.push(buf.readUIntLE(body + 12, 3));
    }
    off = body + size + (size & 1);
  }
  if (!animated || loopCount < 0) throw new Error('not an animated WebP');
  return { width, height, loopCount, frames: durations.length, durations };
}
