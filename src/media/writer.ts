/**
 * A small video file writer over node-av's low-level API: frames in, one encoded
 * video stream muxed into a file out. Used by the boomerang encoder and by the
 * test-clip generator. Internal to src/media (not exported from index.ts).
 */
import {
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVFMT_GLOBALHEADER,
  AVFMT_NOFILE,
  AV_PIX_FMT_RGB24,
  type AVColorPrimaries,
  type AVColorRange,
  type AVColorSpace,
  type AVColorTransferCharacteristic,
  type AVPixelFormat,
} from 'node-av/constants';
import { FilterAPI } from 'node-av/api';
import {
  Codec,
  CodecContext,
  Dictionary,
  Frame,
  FormatContext,
  Packet,
  Rational,
  avGetPixFmtFromName,
  type Stream,
} from 'node-av/lib';

import { displayMatrixForRotation } from './rotation.js';

export interface WriterOptions {
  path: string;
  /** Muxer name (mp4, mov, webm, matroska, gif, webp); default from the file name. */
  format?: string;
  /** Encoder name as FFmpeg knows it (libx264, libx265, libvpx, libvpx-vp9, mpeg4, libwebp_anim, gif). */
  encoder: string;
  width: number;
  height: number;
  fps: number;
  /** Pixel format the encoder receives, by FFmpeg name (yuv420p, pal8, ...). */
  pixelFormat: string;
  /**
   * Filter graph from the frames handed to {@link VideoWriter.write} to the
   * encoder's input; default `format=<pixelFormat>`. May buffer (palettegen).
   */
  filter?: string;
  bitRate?: number;
  gopSize?: number;
  maxBFrames?: number;
  /** Private encoder options (preset, profile, crf, ...). */
  codecOptions?: Record<string, string | number>;
  /** Muxer options given to the header write (movflags, loop, ...). */
  muxerOptions?: Record<string, string | number>;
  /** Clockwise display rotation stored as a display matrix (0 = none). */
  rotation?: number;
  /** Colour tags written into the stream. */
  color?: {
    space: AVColorSpace;
    primaries: AVColorPrimaries;
    trc: AVColorTransferCharacteristic;
    range: AVColorRange;
  };
}

/**
 * Writes one video stream. Call {@link write} per frame in display order, then
 * {@link close} (always, also on error paths: it frees everything).
 */
export class VideoWriter {
  private readonly pkt = new Packet();
  private filter: FilterAPI;
  private nextPts = 0n;
  private closed = false;
  /** Frames handed to the encoder. */
  framesWritten = 0;

  private constructor(
    private readonly fmt: FormatContext,
    private readonly enc: CodecContext,
    private readonly stream: Stream,
    filter: string,
  ) {
    this.pkt.alloc();
    this.filter = FilterAPI.create(filter, { graph: { nbThreads: 1 } });
  }

  /** Opens the encoder and the output file and writes the container header. */
  static async open(o: WriterOptions): Promise<VideoWriter> {
    const codec = Codec.findEncoderByName(o.encoder as never);
    if (!codec) throw new Error(`FFmpeg encoder ${o.encoder} is not available`);
    const pixFmt = avGetPixFmtFromName(o.pixelFormat) as AVPixelFormat;
    if ((pixFmt as number) < 0) throw new Error(`unknown pixel format ${o.pixelFormat}`);

    const fmt = new FormatContext();
    if (fmt.allocOutputContext2(null, o.format ?? null, o.path) < 0 || !fmt.oformat) {
      throw new Error(`cannot create a ${o.format ?? 'muxer'} for ${o.path}`);
    }
    const enc = new CodecContext();
    let opened = false;
    try {
      enc.allocContext3(codec);
      enc.width = o.width;
      enc.height = o.height;
      enc.pixelFormat = pixFmt;
      enc.timeBase = new Rational(1, o.fps);
      enc.framerate = new Rational(o.fps, 1);
      enc.sampleAspectRatio = new Rational(1, 1);
      if (o.bitRate) enc.bitRate = BigInt(o.bitRate);
      if (o.gopSize !== undefined) enc.gopSize = o.gopSize;
      if (o.maxBFrames !== undefined) enc.maxBFrames = o.maxBFrames;
      if (o.color) {
        enc.colorSpace = o.color.space;
        enc.colorPrimaries = o.color.primaries;
        enc.colorTrc = o.color.trc;
        enc.colorRange = o.color.range;
      }
      if ((fmt.oformat.flags as number) & (AVFMT_GLOBALHEADER as number)) {
        enc.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      }
      const codecOpts = Dictionary.fromObject(o.codecOptions ?? {});
      const ret = await enc.open2(codec, codecOpts);
      codecOpts.free();
      if (ret < 0) throw new Error(`cannot open encoder ${o.encoder} (${ret})`);

      const stream = fmt.newStream(null);
      stream.timeBase = enc.timeBase;
      stream.avgFrameRate = new Rational(o.fps, 1);
      if (stream.codecpar.fromContext(enc) < 0) throw new Error('cannot copy encoder parameters');
      if (o.rotation) {
        stream.codecpar.addCodedSideData(AV_PKT_DATA_DISPLAYMATRIX, displayMatrixForRotation(o.rotation));
      }
      if (!((fmt.oformat.flags as number) & (AVFMT_NOFILE as number))) {
        if ((await fmt.openOutput()) < 0) throw new Error(`cannot open ${o.path} for writing`);
        opened = true;
      }
      const muxOpts = Dictionary.fromObject(o.muxerOptions ?? {});
      const hr = await fmt.writeHeader(muxOpts);
      muxOpts.free();
      if (hr < 0) throw new Error(`cannot write the ${fmt.oformat.name ?? ''} header (${hr})`);
      return new VideoWriter(fmt, enc, stream, o.filter ?? `format=${o.pixelFormat}`);
    } catch (err) {
      enc.freeContext();
      if (opened) await fmt.closeOutput();
      fmt.freeContext();
      throw err;
    }
  }

  /** Queues one frame (any pixel format the filter accepts); its pts is set here. */
  async write(frame: Frame): Promise<void> {
    frame.timeBase = new Rational(this.enc.timeBase.num, this.enc.timeBase.den);
    frame.pts = this.nextPts++;
    const outs = await this.filter.processAll(frame);
    for (const out of outs) await this.encode(out);
  }

  /** Queues one frame given as packed pixels (RGB24 unless `format` says otherwise). */
  async writePixels(
    data: Buffer,
    width: number,
    height: number,
    format: AVPixelFormat = AV_PIX_FMT_RGB24,
  ): Promise<void> {
    const frame = Frame.fromVideoBuffer(data, { width, height, format });
    try {
      await this.write(frame);
    } finally {
      frame.free();
    }
  }

  private async encode(frame: Frame | null): Promise<void> {
    if (frame) {
      // Filters keep their own time base; the encoder counts frames.
      frame.pts = BigInt(this.framesWritten++);
      // One tick each, so the last frame has a duration too (mp4 length = frames / fps).
      frame.duration = 1n;
      frame.timeBase = new Rational(this.enc.timeBase.num, this.enc.timeBase.den);
    }
    try {
      const s = await this.enc.sendFrame(frame);
      if (s < 0 && s !== AVERROR_EOF) throw new Error(`encoder rejected a frame (${s})`);
      for (;;) {
        const r = await this.enc.receivePacket(this.pkt);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) break;
        if (r < 0) throw new Error(`encoder failed (${r})`);
        this.pkt.rescaleTs(this.enc.timeBase, this.stream.timeBase);
        this.pkt.streamIndex = this.stream.index;
        const w = await this.fmt.interleavedWriteFrame(this.pkt);
        if (w < 0) throw new Error(`muxer failed (${w})`);
      }
    } finally {
      frame?.free();
    }
  }

  /** Flushes filter, encoder and muxer, writes the trailer and frees everything. */
  async finish(): Promise<void> {
    try {
      for await (const out of this.filter.flushFrames()) await this.encode(out);
      await this.encode(null);
      const t = await this.fmt.writeTrailer();
      if (t < 0) throw new Error(`cannot write the trailer (${t})`);
    } finally {
      await this.close();
    }
  }

  /** Frees everything without finishing the file (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.filter.close();
    this.pkt.free();
    this.enc.freeContext();
    if (this.fmt.oformat && !((this.fmt.oformat.flags as number) & (AVFMT_NOFILE as number))) {
      await this.fmt.closeOutput();
    }
    this.fmt.freeContext();
  }
}
