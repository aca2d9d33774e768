/**
 * Broken and non-video files for the robustness and media tests: damaged and
 * truncated clips, noise, a decompression-bomb PNG header and an audio-only WAV.
 * Plain byte writers (no node-av, no system ffmpeg).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Overwrites a run of bytes in the middle of a clip with noise: a file that
 * opens but has damaged frames (the decoder must not crash on it).
 */
export function makeCorruptedClip(srcPath: string, outPath: string, at = 0.5, bytes = 4096): void {
  const data = Buffer.from(readFileSync(srcPath));
  const start = Math.floor(data.length * at);
  let s = 0x1234567;
  for (let i = start; i < Math.min(data.length, start + bytes); i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  writeFileSync(outPath, data);
}

/** A PNG whose header claims `width` x `height` but holds no real image: a decompression-bomb stand-in. */
export function makeBombPng(outPath: string, width = 30000, height = 30000): void {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4);
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8; // bit depth
  ihdr[17] = 2; // RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(outPath, Buffer.concat([sig, ihdr, Buffer.alloc(4), Buffer.alloc(64)]));
}

/** A 1 s mono 16-bit WAV tone: a real media file without any video stream. */
export function makeAudioOnlyFile(outPath: string, seconds = 1, sampleRate = 16000): void {
  mkdirSync(dirname(outPath), { recursive: true });
  const n = Math.round(seconds * sampleRate);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8);
  buf.write('fmt ', 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++)
    buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), 44 + i * 2);
  writeFileSync(outPath, buf);
}

/** Copies the first `fraction` of a file: a truncated upload. */
export function makeTruncatedFile(srcPath: string, outPath: string, fraction = 0.3): void {
  const data = readFileSync(srcPath);
  writeFileSync(outPath, data.subarray(0, Math.floor(data.length * fraction)));
}

/** Bytes that are no media format at all (deterministic noise). */
export function makeGarbageFile(outPath: string, bytes = 64 * 1024): void {
  const buf = Buffer.alloc(bytes);
  let s = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    buf[i] = s & 255;
  }
  writeFileSync(outPath, buf);
}
