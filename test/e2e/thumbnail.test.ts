import '../../src/polyfills.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, evenlySpacedIndices, probeVideo } from '../../src/media/index.js';
import { createEmotionClient } from '@emothumb/client';
import { frameIndexFromRgb, hasRedMarkerTopLeft, makeTestClip } from '../helpers/clips.js';
import { ADMIN_KEY, authHeaders, startServer, type RunningServer } from '../helpers/server.js';

const LIMITS = { maxPixels: 4096 * 2160, maxSeconds: 600, minFrames: 1 };

describe('POST /thumbnail (real server, real clips)', () => {
  let server: RunningServer;
  let dir: string;
  let landscape: Buffer;

  const client = () => createEmotionClient({ baseUrl: server.url, apiKey: ADMIN_KEY });

  /** Decodes a returned thumbnail and reads each frame's source index from its pixels. */
  const decodeThumbnail = async (data: Buffer, ext: string) => {
    const path = join(dir, `out-${Math.random().toString(36).slice(2)}.${ext}`);
    await writeFile(path, data);
    const info = await probeVideo(path, LIMITS);
    const [frames] = await decodeFrames(
      path,
      info,
      [{ indices: evenlySpacedIndices(info.frameCount, info.frameCount), maxSide: 0 }],
      { minFrames: 1 },
    );
    return { info, frames: frames! };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emothumb-thumb-'));
    await makeTestClip(join(dir, 'landscape.mp4'), {
      width: 640,
      height: 360,
      fps: 30,
      seconds: 3,
      codec: 'h264',
    });
    landscape = await readFile(join(dir, 'landscape.mp4'));
    server = await startServer({ MODEL: 'none' });
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('makes the seed boomerang: duration 3 -> 29 frames at 10 fps, forward then backward', async () => {
    // The seed's JSON through the typed client: the body is checked against the OpenAPI types.
    const {
      data: body,
      error,
      response,
    } = await client().api.POST('/thumbnail', {
      body: {
        encoding: 'base64',
        format: 'mp4',
        fps: 30,
        content: landscape.toString('base64'),
        duration: 3,
      },
    });
    expect(response.status, JSON.stringify(error)).toBe(200);
    if (!body) throw new Error('no body');
    expect(body).toMatchObject({
      format: 'mp4',
      mime_type: 'video/mp4',
      fps: 10,
      frames: 29,
      width: 480,
      height: 270,
    });
    expect(body.duration).toBeCloseTo(2.9, 1);
    const { info, frames } = await decodeThumbnail(Buffer.from(body.thumbnail, 'base64'), 'mp4');
    expect(info.codec).toBe('h264');
    expect(info.pixelFormat).toBe('yuv420p');
    expect(info.width % 2).toBe(0);
    expect(info.height % 2).toBe(0);
    expect(info.hasAudio).toBe(false);
    expect(frames).toHaveLength(29);
    const order = frames.map(frameIndexFromRgb);
    const forward = order.slice(0, 15);
    const backward = order.slice(14);
    expect(forward).toEqual([...forward].sort((a, b) => a - b));
    expect(new Set(forward).size).toBe(15);
    expect(backward).toEqual([...forward].reverse());
    // Sampled evenly over the whole 90-frame clip, as the seed does.
    expect(forward[0]).toBe(0);
    expect(forward[14]).toBe(89);
  });

  it('puts +faststart metadata before the media data', async () => {
    const body = await client().thumbnail(landscape, { upload: 'json', duration: 1 });
    const mp4 = Buffer.from(body.thumbnail, 'base64');
    expect(mp4.indexOf('moov')).toBeGreaterThan(0);
    expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));
  });

  it('accepts a data: URL prefix and returns the raw file for Accept: video/mp4', async () => {
    // On the wire: the data: URL prefix, the Accept header and the answer's content type.
    const res = await fetch(`${server.url}/thumbnail`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json', accept: 'video/mp4' },
      body: JSON.stringify({
        encoding: 'base64',
        format: 'mp4',
        content: `data:video/mp4;base64,${landscape.toString('base64')}`,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const raw = Buffer.from(await res.arrayBuffer());
    const { frames } = await decodeThumbnail(raw, 'mp4');
    expect(frames).toHaveLength(29);
  });

  it('takes the raw body (video/mp4) with options in the query string', async () => {
    const body = await client().thumbnail(landscape, {
      contentType: 'video/mp4',
      duration: 2,
      max_size: 320,
      output_format: 'webp',
    });
    expect(body).toMatchObject({
      format: 'webp',
      mime_type: 'image/webp',
      frames: 19,
      width: 320,
      height: 180,
    });
    expect(Buffer.from(body.thumbnail, 'base64').subarray(8, 12).toString()).toBe('WEBP');
  });

  it("gives the client's thumbnailFile the file itself (Accept), the same as the JSON's base64", async () => {
    const file = await client().thumbnailFile(landscape, {
      duration: 1,
      max_size: 160,
      output_format: 'webp',
    });
    expect(file.contentType).toBe('image/webp');
    expect(Buffer.from(file.data).subarray(0, 4).toString()).toBe('RIFF');
    expect(Buffer.from(file.data).subarray(8, 12).toString()).toBe('WEBP');
    const json = await client().thumbnail(landscape, { duration: 1, max_size: 160, output_format: 'webp' });
    expect(file.data.byteLength).toBe(Buffer.from(json.thumbnail, 'base64').length);
  });

  it('takes multipart/form-data with a "video" field and makes a GIF', async () => {
    // The client sends the options as form fields beside the file.
    const body = await client().thumbnail(landscape, {
      upload: 'multipart',
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      output_format: 'gif',
      crop: 'square',
    });
    expect(body).toMatchObject({ format: 'gif', frames: 29 });
    expect(body.width).toBe(body.height);
    expect(Buffer.from(body.thumbnail, 'base64').subarray(0, 3).toString()).toBe('GIF');
  });

  it('turns a rotated portrait phone clip upright', async () => {
    const path = join(dir, 'portrait.mp4');
    await makeTestClip(path, { width: 640, height: 360, fps: 30, seconds: 1, codec: 'h264', rotation: 90 });
    const body = await client().thumbnail(await readFile(path), { upload: 'json', duration: 1 });
    expect(body.height).toBeGreaterThan(body.width);
    expect(body.height).toBe(480);
    const { info, frames } = await decodeThumbnail(Buffer.from(body.thumbnail, 'base64'), 'mp4');
    expect(info.rotation).toBe(0);
    expect(info.displayHeight).toBeGreaterThan(info.displayWidth);
    // The test pattern's red marker is top-left only when the picture is upright.
    expect(hasRedMarkerTopLeft(frames[0]!)).toBe(true);
  });

  it('reads WebM (VP9) input', async () => {
    const path = join(dir, 'clip.webm');
    await makeTestClip(path, {
      width: 320,
      height: 240,
      fps: 25,
      seconds: 1,
      codec: 'vp9',
      container: 'webm',
    });
    // From the path: the JSON's "format" hint is the file's extension (webm).
    const body = await client().thumbnail(path, { upload: 'json', duration: 1 });
    expect(body.frames).toBe(9);
  });

  it('refuses what is not a usable video with 422 and a stable code', async () => {
    await expect(
      client().thumbnail(Buffer.from('this is not a video at all, just text'), { upload: 'json' }),
    ).rejects.toMatchObject({ status: 422, code: 'not_a_video' });
    const short = join(dir, 'short.mp4');
    await makeTestClip(short, { width: 160, height: 120, fps: 10, seconds: 1, codec: 'h264' });
    await expect(client().thumbnail(short, { upload: 'json' })).rejects.toMatchObject({
      status: 422,
      code: 'too_few_frames',
    });
  });

  it('logs thumbnail requests with their status', async () => {
    const body = await client().logs({ endpoint: '/thumbnail', limit: 1000 });
    expect(body.logs.some((l) => l.status_code === 200)).toBe(true);
    expect(body.logs.some((l) => l.status_code === 422)).toBe(true);
  });
});
