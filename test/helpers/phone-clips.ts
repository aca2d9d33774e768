/**
 * Test material shaped like what users send: the files phones, browsers and
 * messaging apps write, each with a sound track (AAC, Opus, Vorbis, FLAC, AC-3,
 * PCM, MP3), made in the test run from one face clip by Debian's `ffmpeg`
 * command line (a test-only tool that `.ci/run` installs; the service never uses it).
 *
 * The source is an upright 640x360 landscape clip of a broadly smiling face
 * (a dependency's sample photo, gently zooming, with sensor-like grain), so every
 * variant must come back `Happy`, with faces found, and with thumbnails in the
 * variant's display orientation and aspect.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeClipFromImage, SAMPLE_FACES } from './clips.js';

/** One kind of real-world upload. */
export interface PhoneFormat {
  /** Short id, also the file's base name. */
  id: string;
  /** What writes files like this, and the traits it exercises. */
  what: string;
  /** File extension (the container). */
  ext: string;
  /** ffmpeg arguments after the inputs (`-i source -i tone` are added before), without the output path. */
  args: string[];
  /** Extra inputs after the source and the tone (e.g. a cover picture); paths relative to the clip dir. */
  extraInputs?: string[];
  /** Display width / height a viewer sees (rotation and pixel aspect applied). */
  displayAspect: number;
  /**
   * ffmpeg 5.1's `rotate` tag, written by a remux after encoding (it drops it when
   * encoding). Note its sign: `rotate=90` stores a display matrix that turns the
   * picture 90 degrees counter-clockwise (our `VideoInfo.rotation` 270); an iPhone's
   * portrait clip turns it clockwise (rotation 90), which is `rotate=270` here.
   */
  rotate?: 90 | 270;
  /** Made from the portrait (360x640) source instead of the landscape one. */
  portrait?: boolean;
  /** Write through a pipe (non-seekable output: no duration, no cues, like MediaRecorder). */
  pipe?: boolean;
}

const AAC = ['-c:a', 'aac', '-b:a', '96k'];
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];
const X265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'];
const LANDSCAPE = 16 / 9;
const PORTRAIT = 9 / 16;

/** Every format the README promises, with the traits phones, browsers and apps produce. */
export const PHONE_FORMATS: PhoneFormat[] = [
  {
    id: 'android-h264-aac',
    what: 'Android camera: H.264 High + AAC stereo, MP4 with moov at the end',
    ext: 'mp4',
    args: [...H264, '-profile:v', 'high', '-g', '30', ...AAC, '-ac', '2'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'android-faststart',
    what: 'Android share sheet: H.264 + AAC, moov first (+faststart)',
    ext: 'mp4',
    args: [...H264, ...AAC, '-movflags', '+faststart'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'android-vfr',
    what: 'Android VFR: dropped frames keep their timestamps (variable frame rate) + AAC',
    ext: 'mp4',
    args: ['-vf', "select='not(eq(mod(n\\,5)\\,2))'", '-fps_mode', 'vfr', ...H264, ...AAC],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'android-fullrange',
    what: 'Android full-range colour: yuvj420p (pc range) H.264 + AAC',
    ext: 'mp4',
    args: [...H264.slice(0, -2), '-pix_fmt', 'yuvj420p', ...AAC],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'iphone-hevc',
    what: 'iPhone: HEVC tagged hvc1 + AAC in MOV',
    ext: 'mov',
    args: [...X265, '-pix_fmt', 'yuv420p', ...AAC],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'iphone-hevc10-portrait',
    what: 'iPhone portrait HDR-style: 10-bit HEVC hvc1, display matrix turning 90 degrees clockwise, + AAC in MOV',
    ext: 'mov',
    args: ['-vf', 'transpose=cclock', ...X265, '-pix_fmt', 'yuv420p10le', ...AAC],
    rotate: 270,
    portrait: true,
    displayAspect: PORTRAIT,
  },
  {
    id: 'h264-rotated-270',
    what: 'Phone held the other way: H.264, display matrix turning 270 degrees clockwise, + AAC',
    ext: 'mp4',
    args: ['-vf', 'transpose=clock', ...H264, ...AAC],
    rotate: 90,
    portrait: true,
    displayAspect: PORTRAIT,
  },
  {
    id: 'chrome-vp8-opus',
    what: 'Chrome MediaRecorder: VP8 + Opus WebM written live (no duration, no cues)',
    ext: 'webm',
    args: [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '1M',
      '-c:a',
      'libopus',
      '-f',
      'webm',
    ],
    displayAspect: LANDSCAPE,
    pipe: true,
  },
  {
    id: 'chrome-vp9-opus',
    what: 'Chrome MediaRecorder: VP9 + Opus WebM written live',
    ext: 'webm',
    args: [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '1M',
      '-c:a',
      'libopus',
      '-f',
      'webm',
    ],
    displayAspect: LANDSCAPE,
    pipe: true,
  },
  {
    id: 'safari-fragmented',
    what: 'Safari MediaRecorder: fragmented MP4 (empty moov, moof fragments), H.264 + AAC',
    ext: 'mp4',
    args: [...H264, '-g', '15', ...AAC, '-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'av1-opus',
    what: 'AV1 + Opus in WebM (newer Android, browsers)',
    ext: 'webm',
    args: ['-c:v', 'libsvtav1', '-preset', '12', '-crf', '40', '-pix_fmt', 'yuv420p', '-c:a', 'libopus'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'mkv-two-audio-subs',
    what: 'MKV with two audio tracks (AAC, Vorbis) and a subtitle track',
    ext: 'mkv',
    extraInputs: ['subs.srt'],
    args: [
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '1:a',
      '-map',
      '2:s',
      ...H264,
      '-c:a:0',
      'aac',
      '-c:a:1',
      'libvorbis',
      '-c:s',
      'srt',
    ],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'messenger-3gp',
    what: 'Messaging app 3GP: H.264 Baseline + AAC mono 22 kHz',
    ext: '3gp',
    args: [
      ...H264,
      '-profile:v',
      'baseline',
      '-c:a',
      'aac',
      '-ac',
      '1',
      '-ar',
      '22050',
      '-b:a',
      '32k',
      '-f',
      '3gp',
    ],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'old-phone-3gp-h263',
    what: 'Old phone 3GP: H.263 CIF 352x288 with 16:11 pixels (anamorphic) + AAC',
    ext: '3gp',
    args: [
      '-vf',
      'scale=352:288,setsar=16/11',
      '-c:v',
      'h263',
      '-q:v',
      '4',
      '-c:a',
      'aac',
      '-ac',
      '1',
      '-ar',
      '16000',
      '-f',
      '3gp',
    ],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'mov-timecode-pcm',
    what: 'Camera MOV with a timecode (tmcd data) track and PCM audio',
    ext: 'mov',
    args: [...H264, '-c:a', 'pcm_s16le', '-timecode', '01:00:00:00'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'bframes-open-gop-ac3',
    what: 'B-frames (3) and open GOPs, H.264 + AC-3',
    ext: 'mp4',
    args: [...H264, '-bf', '3', '-x264-params', 'open-gop=1:keyint=20', '-c:a', 'ac3'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'single-keyframe-opus',
    what: 'One keyframe for the whole clip, H.264 + Opus in MP4',
    ext: 'mp4',
    args: [...H264, '-g', '9999', '-keyint_min', '9999', '-sc_threshold', '0', '-c:a', 'libopus'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'anamorphic-1440x1080',
    what: 'Anamorphic HDV-style 1440x1080 with 4:3 pixels (shown 1920x1080), H.264 + AAC',
    ext: 'mp4',
    args: ['-vf', 'scale=1440:1080,setsar=4/3', ...H264, ...AAC],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'audio-first',
    what: 'Audio as the first stream, then H.264 (stream index 1)',
    ext: 'mp4',
    args: ['-map', '1:a', '-map', '0:v', ...H264, ...AAC],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'odd-dimensions-vp9-vorbis',
    what: 'Odd dimensions 641x361, VP9 + Vorbis in WebM',
    ext: 'webm',
    args: [
      '-vf',
      'scale=641:361',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '800k',
      '-c:a',
      'libvorbis',
    ],
    displayAspect: 641 / 361,
  },
  {
    id: 'mkv-flac',
    what: 'MKV with H.264 + FLAC',
    ext: 'mkv',
    args: [...H264, '-c:a', 'flac'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'avi-mpeg4-mp3',
    what: 'AVI with MPEG-4 Part 2 + MP3',
    ext: 'avi',
    args: ['-c:v', 'mpeg4', '-q:v', '4', '-c:a', 'libmp3lame', '-b:a', '96k'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'mpegts-h264-aac',
    what: 'MPEG-TS (no frame size in the header) H.264 + AAC',
    ext: 'ts',
    args: [...H264, ...AAC, '-f', 'mpegts'],
    displayAspect: LANDSCAPE,
  },
  {
    id: 'cover-art-second-video',
    what: 'MP4 with an attached cover picture and a second (small) video stream after the main one, + AAC',
    ext: 'mp4',
    extraInputs: ['cover.png'],
    args: [
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '0:v',
      '-map',
      '2:v',
      '-c:v:0',
      'libx264',
      '-c:v:1',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt:v:0',
      'yuv420p',
      '-pix_fmt:v:1',
      'yuv420p',
      '-filter:v:1',
      'scale=160:90',
      '-c:v:2',
      'png',
      '-disposition:v:2',
      'attached_pic',
      ...AAC,
    ],
    displayAspect: LANDSCAPE,
  },
];

/** Throws a clear error when Debian's ffmpeg (a test-only tool) is missing. */
export function requireSystemFfmpeg(): void {
  const r = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  if (r.status !== 0) {
    throw new Error(
      'These tests need the ffmpeg command line (Debian package "ffmpeg"; .ci/run installs it).',
    );
  }
}

/**
 * The upright smiling-face source clip (silent H.264), 640x360, or 360x640 when
 * `portrait`; made once per directory.
 */
export async function makePhoneSource(dir: string, seconds = 2, portrait = false, fps = 30): Promise<string> {
  const path = join(dir, `phone-source-${portrait ? 'portrait' : 'landscape'}-${seconds}s-${fps}.mp4`);
  if (existsSync(path)) return path;
  const f = SAMPLE_FACES.smiling;
  const cx = f.x + f.width / 2;
  const cy = f.y + f.height / 2;
  const long = 860;
  const short = Math.round((long * 9) / 16);
  const [w, h] = portrait ? [short, long] : [long, short];
  const part = `${path}.part.mp4`;
  await makeClipFromImage(SAMPLE_FACES.image, part, {
    crop: {
      x: Math.max(0, Math.min(1920 - w, Math.round(cx - w / 2))),
      y: Math.max(0, Math.min(1280 - h, Math.round(cy - h / 2))),
      width: w,
      height: h,
    },
    size: portrait ? { width: 360, height: 640 } : { width: 640, height: 360 },
    seconds,
    fps,
    zoom: 0.06,
    grain: 2,
  });
  renameSync(part, path);
  return path;
}

function writeSideInputs(dir: string, seconds: number): void {
  const srt = join(dir, 'subs.srt');
  if (!existsSync(srt)) {
    writeFileSync(
      srt,
      `1\n00:00:00,000 --> 00:00:${String(Math.max(1, Math.floor(seconds))).padStart(2, '0')},000\nhello\n`,
    );
  }
  const cover = join(dir, 'cover.png');
  if (!existsSync(cover)) {
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'color=c=orange:s=320x320',
      '-frames:v',
      '1',
      cover,
    ]);
  }
}

/**
 * Makes `format` from the source clip with a 440 Hz tone as its sound track
 * (slightly longer than the video, as phone audio often is), and returns its path.
 */
export function makePhoneClip(source: string, format: PhoneFormat, dir: string, seconds = 2): string {
  mkdirSync(dir, { recursive: true });
  writeSideInputs(dir, seconds);
  const final = join(dir, `${format.id}.${format.ext}`);
  if (existsSync(final)) return final;
  // Written under a temporary name and renamed: a cache directory never holds half a file.
  const out = join(dir, `${format.id}.part.${format.ext}`);
  const inputs = [
    '-i',
    source,
    '-f',
    'lavfi',
    '-t',
    String(seconds + 0.1),
    '-i',
    'sine=frequency=440:sample_rate=48000',
  ];
  for (const extra of format.extraInputs ?? []) inputs.push('-i', join(dir, extra));
  const args = ['-v', 'error', '-y', ...inputs, ...format.args];
  if (format.pipe) {
    const fd = openSync(out, 'w');
    try {
      execFileSync('ffmpeg', [...args, 'pipe:1'], { stdio: ['ignore', fd, 'pipe'] });
    } finally {
      closeSync(fd);
    }
  } else if (format.rotate) {
    const plain = join(dir, `${format.id}.unrotated.${format.ext}`);
    execFileSync('ffmpeg', [...args, plain], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-i',
        plain,
        '-map',
        '0',
        '-c',
        'copy',
        '-metadata:s:v:0',
        `rotate=${format.rotate}`,
        out,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } else {
    execFileSync('ffmpeg', [...args, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  renameSync(out, final);
  return final;
}

/** A cache directory shared by the test files of one machine (files are written atomically). */
export const PHONE_CORPUS_DIR = join(tmpdir(), 'emothumb-phone-corpus-v2');

/** All formats, made once into `dir`. */
export async function makePhoneCorpus(dir = PHONE_CORPUS_DIR, seconds = 2): Promise<Map<string, string>> {
  requireSystemFfmpeg();
  mkdirSync(dir, { recursive: true });
  const landscape = await makePhoneSource(dir, seconds);
  const portrait = await makePhoneSource(dir, seconds, true);
  return new Map(
    PHONE_FORMATS.map((f) => [f.id, makePhoneClip(f.portrait ? portrait : landscape, f, dir, seconds)]),
  );
}
