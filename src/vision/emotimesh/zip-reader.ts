/**
 * Reads the entries of a zip archive as `torch.save` writes them, from memory or
 * straight from a file. Tensor storages in torch zips are STORED (not deflated)
 * and aligned, so an entry is a byte range of the file: from a buffer it is a
 * view (no copy), from a file only the entries asked for are read, and callers
 * can hand the range of a large tensor to onnxruntime to map instead of reading
 * it. Deflated entries (zips re-packed by other tools) are inflated with fflate.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { inflateSync } from 'fflate';

/** Random access to the bytes of an archive. */
export interface ByteSource {
  readonly size: number;
  /** `into`, when given, may be used as the destination instead of a new buffer. */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
}

/** A source over bytes in memory; reads are views, not copies. */
export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.byteLength,
    read: (offset, length) => {
      if (offset < 0 || offset + length > buf.byteLength)
        throw new ZipFormatError('read past the end of the archive (truncated?)');
      return buf.subarray(offset, offset + length);
    },
  };
}

/** A source over an open file; only the bytes asked for are read. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new Error('the checkpoint file has been closed');
    if (offset < 0 || offset + length > this.size)
      throw new ZipFormatError('read past the end of the archive (truncated?)');
    // Reusing a buffer matters: fresh memory is slow to touch on some VMs.
    const out = into && into.byteLength >= length ? into.subarray(0, length) : new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new ZipFormatError('unexpected end of file (truncated?)');
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

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

/** A little-endian reader over a chunk read from the archive. */
class Chunk {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** Archive offset of bytes[0]. */
    readonly base: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private at(offset: number, n: number): number {
    const i = offset - this.base;
    if (i < 0 || i + n > this.bytes.byteLength)
      throw new ZipFormatError('zip structure points outside its record (corrupt)');
    return i;
  }
  u16(offset: number): number {
    return this.view.getUint16(this.at(offset, 2), true);
  }
  u32(offset: number): number {
    return this.view.getUint32(this.at(offset, 4), true);
  }
  u64(offset: number): number {
    const v = this.view.getBigUint64(this.at(offset, 8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip64 field out of range');
    return Number(v);
  }
  slice(offset: number, length: number): Uint8Array {
    const i = this.at(offset, length);
    return this.bytes.subarray(i, i + length);
  }
}

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;

  constructor(private readonly source: ByteSource) {
    this.entries = this.readCentralDirectory();
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const size = this.source.size;
    if (size < 22) throw new ZipFormatError('file too small to be a zip archive');
    // The EOCD record is 22 bytes plus a comment of at most 65535 bytes (and a zip64 locator before it).
    const tailStart = Math.max(0, size - 22 - 0xffff - 20);
    const tail = new Chunk(this.source.read(tailStart, size - tailStart), tailStart);
    let eocd = -1;
    for (let at = size - 22; at >= tailStart; at--) {
      if (tail.u32(at) === EOCD_SIG) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0)
      throw new ZipFormatError('not a zip archive, or truncated (no end-of-central-directory record)');
    let count = tail.u16(eocd + 10);
    let cdSize = tail.u32(eocd + 12);
    let cdOffset = tail.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < tailStart || tail.u32(loc) !== ZIP64_LOCATOR_SIG)
        throw new ZipFormatError('zip64 locator missing');
      const z64Offset = tail.u64(loc + 8);
      if (z64Offset + 56 > size) throw new ZipFormatError('zip64 end-of-central-directory record missing');
      const z64 = new Chunk(this.source.read(z64Offset, 56), z64Offset);
      if (z64.u32(z64Offset) !== ZIP64_EOCD_SIG)
        throw new ZipFormatError('zip64 end-of-central-directory record missing');
      count = z64.u64(z64Offset + 32);
      cdSize = z64.u64(z64Offset + 40);
      cdOffset = z64.u64(z64Offset + 48);
    }
    if (cdOffset + cdSize > size) {
      throw new ZipFormatError('central directory lies beyond the end of the file (truncated?)');
    }
    const cd = new Chunk(this.source.read(cdOffset, cdSize), cdOffset);
    const entries = new Map<string, ZipEntry>();
    let at = cdOffset;
    const decoder = new TextDecoder();
    for (let i = 0; i < count; i++) {
      if (at + 46 > cdOffset + cdSize || cd.u32(at) !== CENTRAL_SIG) {
        throw new ZipFormatError(`corrupt central directory at entry ${i}`);
      }
      const method = cd.u16(at + 10);
      const crc32 = cd.u32(at + 16);
      let compressedSize = cd.u32(at + 20);
      let size = cd.u32(at + 24);
      const nameLen = cd.u16(at + 28);
      const extraLen = cd.u16(at + 30);
      const commentLen = cd.u16(at + 32);
      let localHeaderOffset = cd.u32(at + 42);
      const name = decoder.decode(cd.slice(at + 46, nameLen));
      // Zip64 extra field: present values replace the 0xffffffff placeholders, in order.
      let extra = at + 46 + nameLen;
      const extraEnd = extra + extraLen;
      while (extra + 4 <= extraEnd) {
        const id = cd.u16(extra);
        const len = cd.u16(extra + 2);
        if (id === 0x0001) {
          let p = extra + 4;
          if (size === 0xffffffff) {
            size = cd.u64(p);
            p += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = cd.u64(p);
            p += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = cd.u64(p);
        }
        extra += 4 + len;
      }
      entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
      at = extraEnd + commentLen;
    }
    return entries;
  }

  /** Where an entry's (possibly compressed) bytes start in the archive. */
  locate(name: string): { entry: ZipEntry; offset: number } {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipFormatError(`entry "${name}" is missing`);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.source.size) throw new ZipFormatError(`corrupt local header for "${name}"`);
    const header = new Chunk(this.source.read(at, 30), at);
    if (header.u32(at) !== LOCAL_SIG) throw new ZipFormatError(`corrupt local header for "${name}"`);
    const offset = at + 30 + header.u16(at + 26) + header.u16(at + 28);
    if (offset + entry.compressedSize > this.source.size)
      throw new ZipFormatError(`entry "${name}" is truncated`);
    return { entry, offset };
  }

  /**
   * Checks every entry against its CRC-32, reading stored entries in chunks so
   * that memory stays small however big the archive is.
   */
  verify(): void {
    const CHUNK = 4 << 20;
    const scratch = new Uint8Array(CHUNK);
    for (const name of this.entries.keys()) {
      const { entry, offset } = this.locate(name);
      let crc = 0;
      if (entry.method === 0) {
        for (let at = 0; at < entry.size; at += CHUNK) {
          crc = zlibCrc32(this.source.read(offset + at, Math.min(CHUNK, entry.size - at), scratch), crc);
        }
      } else {
        crc = zlibCrc32(this.read(name));
      }
      if (crc >>> 0 !== entry.crc32)
        throw new ZipFormatError(`entry "${name}" fails its CRC check (corrupt file)`);
    }
  }

  /** The bytes of an entry; a view into the archive when in memory and stored. */
  read(name: string): Uint8Array {
    const { entry, offset } = this.locate(name);
    const raw = this.source.read(offset, entry.compressedSize);
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

/** CRC-32 as zip uses it. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}
