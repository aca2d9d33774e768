/**
 * Shared helpers of the robustness suites: process inspection through /proc, a raw
 * socket client for requests node:http refuses to send, tiny media writers for the
 * odd inputs the shared clip helper does not make, and request-log lookups.
 */
import '../../src/polyfills.js';

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { deflateSync } from 'node:zlib';

import { VideoWriter } from '../../src/media/writer.js';
import { send } from '../helpers/http.js';
import { ADMIN_KEY, authHeaders } from '../helpers/server.js';

/** Resident set size of a process in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Pids of the server's worker child processes (the `clip.worker.js` children of `serverPid`). */
export function workerPids(serverPid: number, script = 'clip.worker.'): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== serverPid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(script)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are over TCP (duplicate headers, non-ASCII, broken HTTP) and
 * parses the reply. `body` is written in chunks after `head` (after `holdBodyMs`), stopping
 * once the server answers.
 */
export function rawHttp(
  url: string,
  head: Buffer | string,
  body: Buffer = Buffer.alloc(0),
  holdBodyMs = 0,
): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length && chunks.length === 0 && !socket.destroyed) {
        const chunk = body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      // Holding the body back shows whether the server answers from the headers alone.
      if (holdBodyMs > 0) setTimeout(pump, holdBodyMs);
      else pump();
    });
    let received = 0;
    let expected = -1;
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      // Stop once the whole reply is in, even if the server keeps the connection open.
      if (expected < 0) {
        const text = Buffer.concat(chunks).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, Math.max(0, end)));
        if (end >= 0 && len) expected = end + 4 + Number(len[1]);
      }
      if (expected >= 0 && received >= expected) socket.destroy();
    });
    socket.on('error', (err) => {
      // EPIPE/ECONNRESET while uploading: what the server said before closing still counts.
      if (chunks.length === 0) reject(err);
    });
    socket.on('close', () => {
      if (chunks.length === 0) return reject(new Error('connection closed without a reply'));
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const headLines = text.slice(0, end < 0 ? text.length : end).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headLines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of headLines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, body: end < 0 ? '' : text.slice(end + 4) });
    });
  });
}

/**
 * One request on its own connection that tolerates the server answering (413, 503)
 * before the body is sent and closing: the write then fails, the reply still counts.
 * (node:http drops a reply that arrives while its upload fails with EPIPE.)
 */
export async function sendOnce(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    holdBodyMs?: number;
  } = {},
): Promise<RawReply> {
  const { pathname, search } = new URL(url);
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
  // Keep-alive (not close): the server may then drain an unread upload rather than reset the connection.
  const lines = [`${opts.method ?? 'GET'} ${pathname}${search} HTTP/1.1`, 'Host: localhost'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  if (opts.body !== undefined) lines.push(`Content-Length: ${body.length}`);
  return rawHttp(url, Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body, opts.holdBodyMs);
}

/** A request line and headers with the admin key and a fresh date, for {@link rawHttp}. */
export function rawRequest(method: string, path: string, extraHeaderLines: string[] = [], body = ''): string {
  const auth = authHeaders();
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: localhost',
    `x-api-key: ${auth['x-api-key']}`,
    ...extraHeaderLines,
    'Connection: close',
  ];
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export interface ClipSpec {
  width: number;
  height: number;
  frames: number;
  fps?: number;
  /** FFmpeg muxer: mp4, webm, matroska, avi... */
  format: string;
  encoder: string;
  pixelFormat: string;
  codecOptions?: Record<string, string | number>;
}

/** A small moving-gradient clip of any size, pixel format, encoder and container. */
export async function writeClip(path: string, o: ClipSpec): Promise<void> {
  const fps = o.fps ?? 30;
  const writer = await VideoWriter.open({
    path,
    format: o.format,
    encoder: o.encoder,
    width: o.width,
    height: o.height,
    fps,
    pixelFormat: o.pixelFormat,
    bitRate: Math.max(100_000, o.width * o.height * fps * 0.2),
    gopSize: fps,
    codecOptions: o.codecOptions ?? {},
  });
  try {
    const rgb = Buffer.alloc(o.width * o.height * 3);
    for (let i = 0; i < o.frames; i++) {
      for (let y = 0; y < o.height; y++) {
        for (let x = 0; x < o.width; x++) {
          const p = (y * o.width + x) * 3;
          rgb[p] = (x * 2 + i * 5) & 255;
          rgb[p + 1] = (y * 2 + i * 3) & 255;
          rgb[p + 2] = ((x ^ y) + i) & 255;
        }
      }
      await writer.writePixels(rgb, o.width, o.height);
    }
    await writer.finish();
  } finally {
    await writer.close();
  }
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid grey RGB PNG of the given size: a still image, not a video. */
export function writePng(path: string, width: number, height: number): void {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height, 128);
  for (let y = 0; y < height; y++) raw[y * (width * 3 + 1)] = 0;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(
    path,
    Buffer.concat([
      sig,
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** Deterministic noise. */
export function noise(bytes: number, seed = 0x2545f491): Buffer {
  const buf = Buffer.alloc(bytes);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    buf[i] = s & 255;
  }
  return buf;
}

/** Every request id in the request log, read page by page with the admin key. */
export async function loggedRequestIds(url: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await send(`${url}/logs?limit=1000${q}`, { headers: authHeaders(ADMIN_KEY) });
    if (res.status !== 200) throw new Error(`GET /logs answered ${res.status}: ${res.body.toString()}`);
    const body = res.json<{ logs: { request_id: string }[]; next_cursor: string | null }>();
    for (const row of body.logs) ids.add(row.request_id);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return ids;
}

/** All log rows (admin), newest first. */
export async function logRows(url: string, limit = 1000): Promise<Record<string, unknown>[]> {
  const res = await send(`${url}/logs?limit=${limit}`, { headers: authHeaders(ADMIN_KEY) });
  return res.json<{ logs: Record<string, unknown>[] }>().logs;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
