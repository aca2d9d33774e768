/**
 * Frame size of a still image read from its first bytes (PNG, JPEG, GIF, WebP,
 * BMP), without decoding. FFmpeg's image demuxers only learn the size by
 * decoding; this lets the probe refuse an oversized image (a decompression
 * bomb) as `too_many_pixels` before any decoder allocates it. Pure.
 */
export function imageSizeFromHeader(b: Buffer): { width: number; height: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('ascii', 12, 16) === 'IHDR') {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length >= 10 && (b.toString('ascii', 0, 6) === 'GIF87a' || b.toString('ascii', 0, 6) === 'GIF89a')) {
    return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  }
  if (b.length >= 26 && b.toString('ascii', 0, 2) === 'BM') {
    return { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) };
  }
  if (b.length >= 30 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') {
    const chunk = b.toString('ascii', 12, 16);
    if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
    if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L' && b.length >= 25) {
      const bits = b.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    return undefined;
  }
  // The first start-of-frame segment (SOF0..SOF15 but DHT, JPG, DAC) has the size.
  for (const seg of jpegSegments(b)) {
    const m = seg.marker;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
      return seg.offset + 9 <= b.length
        ? { width: b.readUInt16BE(seg.offset + 7), height: b.readUInt16BE(seg.offset + 5) }
        : undefined;
  }
  return undefined;
}

/** A still picture's format, from its signature bytes (HEIF/AVIF from the `ftyp` box's major brand). */
export type StillKind = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'heif';

/** Major brands of single-image HEIF files (HEIC photos, AVIF); `msf1`/`hevc` are sequences. */
const HEIF_STILL_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'mif2', 'avif']);

/** Which still picture format `b` (the file's first bytes) starts like, if any. Pure. */
export function stillImageKind(b: Buffer): StillKind | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 12 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP')
    return 'webp';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('ascii', 0, 6))) return 'gif';
  if (b.length >= 2 && b.toString('ascii', 0, 2) === 'BM') return 'bmp';
  if (
    b.length >= 12 &&
    b.toString('ascii', 4, 8) === 'ftyp' &&
    HEIF_STILL_BRANDS.has(b.toString('ascii', 8, 12))
  )
    return 'heif';
  return undefined;
}

/** One marker segment of a JPEG's header: its marker byte, where it starts, its length field. */
interface JpegSegment {
  marker: number;
  /** Offset of the segment's FF byte. */
  offset: number;
  /** The length field: the segment's bytes after its marker, length field included. */
  length: number;
}

/**
 * The marker segments of a JPEG's header, in order, up to and including the first
 * start-of-scan (its payload is entropy-coded data, not segments); nothing for what is
 * not a JPEG. Walking by lengths means bytes inside EXIF, ICC or an embedded thumbnail
 * are never mistaken for markers. Stops early where `b` ends or the bytes stop making sense.
 */
function* jpegSegments(b: Buffer): Generator<JpegSegment> {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return;
  let off = 2;
  while (off + 4 <= b.length) {
    if (b[off] !== 0xff) return;
    const marker = b[off + 1]!;
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      off += 2; // markers without a length
      continue;
    }
    const length = b.readUInt16BE(off + 2);
    yield { marker, offset: off, length };
    if (marker === 0xda) return;
    off += 2 + length;
  }
}

/**
 * False when a JPEG is cut off: no end-of-image marker (FF D9) after its first scan.
 * Inside the entropy-coded data every FF byte is stuffed (FF 00) or a restart marker, so
 * the first FF D9 after the scan header is the real end (data appended after it, such as a
 * motion photo's video, does not matter). FFmpeg decodes a cut-off JPEG without an error,
 * grey below the cut, which would be scored as if it were the photo. Pure.
 */
export function jpegIsComplete(b: Buffer): boolean {
  for (const seg of jpegSegments(b)) {
    const scan = seg.offset + 2 + seg.length;
    if (seg.marker === 0xda) return scan <= b.length && b.indexOf(Buffer.from([0xff, 0xd9]), scan) >= 0;
  }
  return false;
}

/**
 * The EXIF orientation (1-8) of a JPEG, from its APP1 `Exif` segment's first IFD, or
 * undefined when it has none. Pure.
 */
export function jpegExifOrientation(b: Buffer): number | undefined {
  for (const seg of jpegSegments(b)) {
    if (seg.marker === 0xe1 && b.toString('binary', seg.offset + 4, seg.offset + 10) === 'Exif\0\0')
      return tiffOrientation(b.subarray(seg.offset + 10, Math.min(b.length, seg.offset + 2 + seg.length)));
  }
  return undefined;
}

function tiffOrientation(t: Buffer): number | undefined {
  if (t.length < 8) return undefined;
  const order = t.toString('ascii', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const u16 = (o: number): number => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
  const u32 = (o: number): number => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > t.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The clockwise rotation (0, 90, 180, 270) that makes a picture with EXIF orientation
 * `o` upright. The mirrored orientations (2, 4, 5, 7: rare, some front cameras) map to
 * their rotation: the face comes out upright but mirrored, which does not change its
 * expression. Pure.
 */
export function rotationForExifOrientation(o: number | undefined): number {
  return o === undefined ? 0 : ([0, 0, 0, 180, 180, 90, 90, 270, 270][o] ?? 0);
}
