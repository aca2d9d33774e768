/**
 * The benchmarks' clips, made once into a cache directory: a 1080p30 face clip, and
 * from it the same with a phone's sound track or re-encoded like a phone's camera.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeClipFromImage } from '../../test/helpers/clips.js';
import { SMILING_FACE_CROP, SMILING_PHOTO } from '../../test/helpers/face-clips.js';

export const BENCH_DIR = join(tmpdir(), 'emothumb-bench');

/** A 1920x1080 30 fps clip of a face (a dependency's photo, zooming gently), `seconds` long. */
export async function faceClip(seconds: number): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `face-grain-1080p30-${seconds}s.mp4`);
  if (!existsSync(path)) {
    // A photo of a face, zooming gently: real texture for the encoder, a face for the models.
    await makeClipFromImage(SMILING_PHOTO, path, {
      crop: { x: 820, y: SMILING_FACE_CROP.y - 80, width: 1100, height: 619 },
      size: { width: 1920, height: 1080 },
      seconds,
      fps: 30,
      zoom: 0.15,
      // Sensor-like noise brings the bit rate to a phone's (about 10-20 Mbit/s at 1080p30).
      grain: 6,
    });
  }
  return path;
}

/**
 * Where the talking-head source of {@link talkingHeadClip} is looked for: a development MEAD
 * clip of ../shared/evaldata (third-party data, never copied into the project), or
 * BENCH_TALKING_HEAD.
 */
export const TALKING_HEAD_SOURCE =
  process.env.BENCH_TALKING_HEAD ??
  join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    'shared',
    'evaldata',
    'raw',
    'mead_dreamtalk',
    'M030_front_neutral_level1_001.mp4',
  );

/**
 * The bars' clip: a real talking head (256 px source) looped to 5 s, scaled and padded to
 * 1920x1080 30 fps, H.264 High, 1 s GOP, no B-frames, 12 Mbit/s, with a 48 kHz AAC sound
 * track. A clean talking face decodes fast, so it is the hardest clip for a ratio to the
 * decoder (the grainy zoom of {@link faceClip} is slow to decode and flatters every ratio).
 * Undefined when the source is not on this machine.
 */
export function talkingHeadClip(ffmpeg: string): string | undefined {
  if (!existsSync(TALKING_HEAD_SOURCE)) return undefined;
  mkdirSync(BENCH_DIR, { recursive: true });
  const looped = join(BENCH_DIR, 'talking-head-1080p30-5s.mp4');
  if (!existsSync(looped)) {
    const part = `${looped}.part.mp4`;
    execFileSync(
      ffmpeg,
      [
        ...['-v', 'error', '-y', '-stream_loop', '2', '-i', TALKING_HEAD_SOURCE, '-an'],
        ...['-vf', 'scale=-2:1080,pad=1920:1080:(ow-iw)/2:0,fps=30', '-t', '5'],
        ...[
          '-c:v',
          'libx264',
          '-profile:v',
          'high',
          '-bf',
          '0',
          '-g',
          '30',
          '-b:v',
          '12M',
          '-pix_fmt',
          'yuv420p',
        ],
        part,
      ],
      { stdio: 'ignore' },
    );
    renameSync(part, looped);
  }
  return withSoundTrack(ffmpeg, looped);
}

/** The AAC-LC 48 kHz stereo 128 kbit/s sound track a phone writes. */
const PHONE_AUDIO = ['-c:a', 'aac', '-ac', '2', '-b:a', '128k'];

/**
 * `source` remuxed once beside itself (as `<name><suffix>`) with a tone as its phone-like
 * sound track and the video stream handled by `videoArgs`; index at the end, as a phone's
 * camera writes it. Written under a temporary name, so the cache never holds half a file.
 */
function withTone(ffmpeg: string, source: string, suffix: string, videoArgs: string[]): string {
  const out = source.replace(/\.[^.]+$/, suffix);
  if (existsSync(out)) return out;
  const part = `${out}.part.mp4`;
  execFileSync(
    ffmpeg,
    [
      ...['-v', 'error', '-y', '-i', source],
      ...['-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=48000'],
      ...['-map', '0:v', '-map', '1:a', '-shortest'],
      ...videoArgs,
      ...PHONE_AUDIO,
      part,
    ],
    { stdio: 'ignore' },
  );
  renameSync(part, out);
  return out;
}

/** `clip` with a phone's sound track added, its video stream copied untouched. */
export function withSoundTrack(ffmpeg: string, clip: string): string {
  return withTone(ffmpeg, clip, '-aac.mp4', ['-c:v', 'copy']);
}

/**
 * A phone-like clip made from `source`: H.264 High, 1 s GOP (keyframe every 30 frames,
 * none inserted on scene cuts), no B-frames, ~12 Mbit/s, yuv420p, with a phone's sound
 * track: what an Android camera writes.
 */
export function phoneLikeClip(ffmpeg: string, source: string): string {
  return withTone(ffmpeg, source, '-phone-gop30-nob-aac.mp4', [
    ...['-c:v', 'libx264', '-preset', 'fast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'],
    ...['-bf', '0', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0'],
    ...['-b:v', '12M', '-maxrate', '14M', '-bufsize', '24M'],
  ]);
}
