/**
 * Reads the entries of a zip archive held in memory, as `torch.save` writes
 * them. Tensor storages in torch zips are STORED (not deflated) and aligned, so
 * an entry's bytes are a view into the file buffer: a 556 MB checkpoint costs
 * one read and no copies. Deflated entries (rare: zips re-packed by other
 * tools) are inflated with fflate.
 */
import { inflateSync } from 'fflate';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.entries = this.readCentralDirectory();
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip64 field out of range');
    return Number(v);
  }

  private findEocd(): number {
    // The EOCD record is 22 bytes plus a comment of at most 65535 bytes.
    const min = Math.max(0, this.buf.byteLength - 22 - 0xffff);
    for (let at = this.buf.byteLength - 22; at >= min; at--) {
      if (this.u32(at) === EOCD_SIG) return at;
    }
    throw new ZipFormatError('not a zip archive, or truncated (no end-of-central-directory record)');
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    if (this.buf.byteLength < 22) throw new ZipFormatError('file too small to be a zip archive');
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || this.u32(loc) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError('zip64 locator missing');
      const z64 = this.u64(loc + 8);
      if (z64 + 56 > this.buf.byteLength || this.u32(z64) !== ZIP64_EOCD_SIG) {
        throw new ZipFormatError('zip64 end-of-central-directory record missing');
      }
      count = this.u64(z64 + 32);
      cdSize = this.u64(z64 + 40);
      cdOffset = this.u64(z64 + 48);
    }
    if (cdOffset + cdSize > this.buf.byteLength) {
      throw new ZipFormatError('central directory lies beyond the end of the file (truncated?)');
    }
    const entries = new Map<string, ZipEntry>();
    let at = cdOffset;
    const decoder = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (at + 46 > cdOffset + cdSize || this.u32(at) !== CENTRAL_SIG) {
        throw new ZipFormatError(`corrupt central directory at entry ${i}`);
      }
      const method = this.u16(at + 10);
      const crc32 = this.u32(at + 16);
      let compressedSize = this.u32(at + 20);
      let size = this.u32(at + 24);
      const nameLen = this.u16(at + 28);
      const extraLen = this.u16(at + 30);
      const commentLen = this.u16(at + 32);
      let localHeaderOffset = this.u32(at + 42);
      const name = decoder.decode(this.buf.subarray(at + 46, at + 46 + nameLen));
      // Zip64 extra field: present values replace the 0xffffffff placeholders, in order.
      let extra = at + 46 + nameLen;
      const extraEnd = extra + extraLen;
      while (extra + 4 <= extraEnd) {
        const id = this.u16(extra);
        const len = this.u16(extra + 2);
        if (id === 0x0001) {
          let p = extra + 4;
          if (size === 0xffffffff) {
            size = this.u64(p);
            p += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(p);
            p += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = this.u64(p);
        }
        extra += 4 + len;
      }
      entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
      at = extraEnd + commentLen;
    }
    return entries;
  }

  /** The bytes of an entry; a view into the archive when stored uncompressed. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipFormatError(`entry "${name}" is missing`);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.buf.byteLength || this.u32(at) !== LOCAL_SIG) {
      throw new ZipFormatError(`corrupt local header for "${name}"`);
    }
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.buf.byteLength) throw new ZipFormatError(`entry "${name}" is truncated`);
    const raw = this.buf.subarray(start, end);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      let out: Uint8Array;
      try {
        out = inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (err) {
        throw new ZipFormatError(`entry "${name}" cannot be inflated: ${(err as Error).message}`);
      }
      if (out.byteLength !== entry.size) throw new ZipFormatError(`entry "${name}" has the wrong size`);
      return out;
    }
    throw new ZipFormatError(`entry "${name}" uses unsupported compression method ${entry.method}`);
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as zip uses it; cheap enough for the small pickle entry. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
