/**
 * The hostile-input corpus, media: damaged real clips (truncated, bit flips, noise),
 * the same damage to clips with a sound track, media that is not a (long enough,
 * small enough) video (audio only, stills, a decompression bomb, too few frames, too
 * long), and odd but valid clips that must decode. Shared machinery: `corpus-support.ts`.
 */
import { expect, it } from 'vitest';

import { describeCorpus, raw, seedJson, type Case } from './corpus-support.js';
import { rssMb, workerPids } from './support.js';

const CASES: Case[] = [
  // Damaged real clips.
  {
    kind: 'truncated: head only (first 30 %)',
    send: () => seedJson('/thumbnail', 'head30.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'truncated: first 1 KB',
    send: () => raw('/thumbnail', 'head1k.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  // The test MP4s keep their index (moov) at the end: cutting the tail loses it.
  {
    kind: 'truncated: tail cut (last 10 % missing)',
    send: () => raw('/thumbnail', 'tailcut.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'truncated webm (head 60 %)',
    send: () => raw('/thumbnail', 'head60.webm'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'bit flips in the middle',
    send: () => raw('/thumbnail', 'flipped.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  {
    kind: '4 KB of noise over the middle',
    send: () => seedJson('/thumbnail', 'noisy.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  // The same damage to clips with a sound track (every phone video has one).
  {
    kind: 'with sound: truncated, moov at the end lost (head 30 %)',
    send: () => raw('/thumbnail', 'sound-head30.mp4'),
    status: 422,
    code: 'not_a_video',
  },
  {
    kind: 'with sound: faststart MP4 cut at 60 %',
    send: () => raw('/thumbnail', 'sound-faststart-head60.mp4'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'with sound: bit flips in the middle',
    send: () => raw('/thumbnail', 'sound-flipped.mp4'),
    status: 200,
    alternatives: [{ status: 422, code: 'decode_failed' }],
  },
  {
    kind: 'with sound: MediaRecorder WebM cut at 60 %',
    send: () => raw('/thumbnail', 'sound-head60.webm'),
    status: 200,
    alternatives: [
      { status: 422, code: 'too_few_frames' },
      { status: 422, code: 'decode_failed' },
    ],
  },
  {
    kind: 'with sound: too few frames (10) and a longer sound track',
    send: () => raw('/thumbnail', 'sound-ten-frames.mp4'),
    status: 422,
    code: 'too_few_frames',
  },
  {
    kind: 'with sound: longer than MAX_VIDEO_SECONDS',
    send: () => seedJson('/predict', 'sound-six-seconds.mp4'),
    status: 422,
    code: 'video_too_long',
  },
  {
    kind: 'with sound: audio stream first, video second',
    send: () => raw('/thumbnail', 'sound-audio-first.mp4'),
    status: 200,
  },
  {
    kind: 'audio-only M4A (AAC)',
    send: () => raw('/predict', 'audio.m4a'),
    status: 422,
    code: 'no_video_stream',
  },
  {
    kind: 'MP3 with cover art (an attached picture is not a video)',
    send: () => raw('/thumbnail', 'cover.mp3'),
    status: 422,
    code: 'no_video_stream',
  },
  // Media that is not a (long enough, small enough) video.
  {
    kind: 'audio-only WAV',
    send: () => raw('/thumbnail', 'audio.wav'),
    status: 422,
    code: 'no_video_stream',
  },
  {
    kind: 'audio-only WAV on /predict',
    send: () => seedJson('/predict', 'audio.wav'),
    status: 422,
    code: 'no_video_stream',
  },
  // Still photos: /predict and /analyze score them (this server runs no model), /thumbnail refuses them.
  {
    kind: 'still JPEG on /thumbnail',
    send: () => raw('/thumbnail', 'photo.jpg'),
    status: 422,
    code: 'still_image',
  },
  {
    kind: 'still PNG on /thumbnail (seed JSON)',
    send: () => seedJson('/thumbnail', 'still.png'),
    status: 422,
    code: 'still_image',
  },
  {
    kind: 'cut-off JPEG photo (first 60 %) on /predict',
    send: () => raw('/predict', 'photo-cut.jpg'),
    status: 422,
    code: 'truncated_image',
  },
  {
    kind: 'PNG cut off after its header, on /analyze',
    send: () => seedJson('/analyze', 'still-cut.png'),
    status: 422,
    code: 'truncated_image',
  },
  {
    kind: 'too few frames (10)',
    send: () => raw('/thumbnail', 'ten-frames.mp4'),
    status: 422,
    code: 'too_few_frames',
  },
  {
    kind: 'PNG bomb header 30000x30000',
    send: () => raw('/thumbnail', 'bomb.png'),
    status: 422,
    code: 'too_many_pixels',
  },
  {
    kind: 'PNG bomb on /predict',
    send: () => seedJson('/predict', 'bomb.png'),
    status: 422,
    code: 'too_many_pixels',
  },
  {
    kind: 'clip longer than MAX_VIDEO_SECONDS (6 s > 5 s)',
    send: () => raw('/thumbnail', 'six-seconds.mp4'),
    status: 422,
    code: 'video_too_long',
  },
  // Odd but valid clips: all decode.
  { kind: 'odd size 321x241 (VP9)', send: () => raw('/thumbnail', 'odd.webm'), status: 200 },
  { kind: 'odd size 321x241 (H.264 4:4:4)', send: () => raw('/thumbnail', 'odd444.mp4'), status: 200 },
  { kind: 'yuv444p H.264', send: () => raw('/thumbnail', 'yuv444p.mp4'), status: 200 },
  { kind: 'yuv420p10le H.264', send: () => raw('/thumbnail', 'yuv420p10le.mp4'), status: 200 },
  { kind: 'gray H.264', send: () => raw('/thumbnail', 'gray.mp4'), status: 200 },
  { kind: 'HEVC MP4', send: () => seedJson('/thumbnail', 'hevc.mp4'), status: 200 },
  { kind: 'VP9 WebM', send: () => raw('/thumbnail', 'vp9.webm'), status: 200 },
  { kind: 'VP8 WebM', send: () => raw('/thumbnail', 'vp8.webm', '?output_format=gif'), status: 200 },
  { kind: 'MPEG-4 part 2 AVI', send: () => raw('/thumbnail', 'mpeg4.avi'), status: 200 },
  {
    kind: 'MPEG-4 part 2 MKV',
    send: () => raw('/thumbnail', 'mpeg4.mkv', '?output_format=webp'),
    status: 200,
  },
  {
    kind: 'wrong format hint (WebM bytes, format mp4)',
    send: () => seedJson('/thumbnail', 'vp9.webm', { format: 'mp4' }),
    status: 200,
  },
  {
    kind: 'video/* raw upload with a data URL-less body',
    send: () => ({ ...raw('/thumbnail', 'small.mp4'), headers: { 'content-type': 'video/quicktime' } }),
    status: 200,
  },
];

/** The prepared files these cases send. */
const FILES = [
  'audio.m4a',
  'audio.wav',
  'bomb.png',
  'cover.mp3',
  'flipped.mp4',
  'gray.mp4',
  'head1k.mp4',
  'head30.mp4',
  'head60.webm',
  'hevc.mp4',
  'mpeg4.avi',
  'mpeg4.mkv',
  'noisy.mp4',
  'odd.webm',
  'odd444.mp4',
  'photo.jpg',
  'photo-cut.jpg',
  'six-seconds.mp4',
  'small.mp4',
  'sound-audio-first.mp4',
  'sound-faststart-head60.mp4',
  'sound-flipped.mp4',
  'sound-head30.mp4',
  'sound-head60.webm',
  'sound-six-seconds.mp4',
  'sound-ten-frames.mp4',
  'still.png',
  'still-cut.png',
  'tailcut.mp4',
  'ten-frames.mp4',
  'vp8.webm',
  'vp9.webm',
  'yuv420p10le.mp4',
  'yuv444p.mp4',
];

describeCorpus('damaged clips, sound, non-video media and odd formats', CASES, {
  files: FILES,
  more: ({ server, deliver, answered }) => {
    it('refuses the decompression bomb from its header: server and worker memory do not jump', async () => {
      const pids = () => [server().proc.pid!, ...workerPids(server().proc.pid!)];
      const total = () => pids().reduce((s, p) => s + rssMb(p), 0);
      const before = total();
      const peak = { value: before };
      const timer = setInterval(() => (peak.value = Math.max(peak.value, total())), 5);
      const res = await deliver(raw('/thumbnail', 'bomb.png'));
      clearInterval(timer);
      answered('bomb memory', res.headers['x-request-id']!);
      expect(res.status).toBe(422);
      // 30000x30000 RGB would be 2.7 GB; anything near a frame's worth would show.
      if (process.env.ROBUSTNESS_VERBOSE) console.log({ bombRssBefore: before, bombRssPeak: peak.value });
      expect(peak.value - before).toBeLessThan(50);
    });
  },
});
