import type { RgbFrame } from '../media/types.js';
import type { AlignedExpressionModel } from './aligned-expression.js';
import { alignedClipView, alignedFramePicks } from './clip-features.js';
import type { ExpressionModel } from './expression.js';
import type { FaceApiExpressionModel } from './face-api-expression.js';
import { alignedFaceCrop } from './face-align.js';
import type { Detection, FaceDetector } from './face-detector.js';
import type { FaceMesh, MeshResult } from './face-mesh.js';
import { expressionCrop, meshCropFromPoints } from './geometry.js';
import type { CropSpec } from './image-ops.js';

/** A box in a frame's pixels. */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the session needs of a frame's analysis (the pipeline's `FrameAnalysis`). */
interface Scored {
  probabilities: number[] | null;
}

/** One net's outputs for a frame (probabilities, embedding; the aligned model's logits). */
export interface NetOutputs {
  p7: Float32Array;
  q7: Float32Array;
  ef: Float32Array;
  ea: Float32Array;
  m7?: ArrayLike<number>;
}

/** What the expression models said of one frame (and of its mirror image, for a still). */
export interface ModelScores extends NetOutputs {
  mirrored?: NetOutputs;
}

/** The loaded models and the settings a clip's analysis runs with (fixed per pipeline). */
export interface SessionModels<A extends Scored> {
  detector: FaceDetector;
  mesh: FaceMesh;
  expression: ExpressionModel;
  faceApi: FaceApiExpressionModel;
  /** The aligned model's runs (loaded on the first: see `lazyAlignedModel` in pipeline.ts). */
  aligned?: Pick<AlignedExpressionModel, 'run' | 'views'>;
  margin: number;
  faceApiMargin: number;
  flip: boolean;
  faceApiFlip: boolean;
  stillFlip: boolean;
  refine: boolean;
  everyFrame: boolean;
  /** The aligned model sees a still (and, with `alignedStillFlip`, its mirror image). */
  alignedStill: boolean;
  alignedStillFlip: boolean;
  /** The aligned model's field relative to the template's (`alignedFaceCrop`'s zoom). */
  alignedMargin: number;
  /** How many of a clip's faced frames the aligned model sees (0: none, Infinity: all). */
  clipFrames: number;
  /** One frame's analysis from its mesh and scores (calibrated). */
  frameAnalysis(frame: RgbFrame, m: MeshResult | null, e: ModelScores | undefined): A;
  /** The whole analysis as one batch (a fresh session fed every frame). */
  analyzeFrames(frames: RgbFrame[]): Promise<A[]>;
}

/**
 * Told of a clip's analysis as it goes (nothing of it changes the answer): what a cover cut
 * from the same decode needs to know before the clip is scored.
 */
export interface ClipProgress {
  /**
   * A frame's calibrated per-frame probabilities (EMOTIONS5 order), as soon as it is scored
   * while frames still arrive. Provisional: `finish` can rescore a frame, and pooling rescores
   * every frame with the clip's context.
   */
  scored?(position: number, probabilities: number[]): void;
  /**
   * The largest face of the first frame to arrive (the detector's box, as fractions of the
   * frame), or null: found by a detector run of its own, outside the clip's detection budget.
   */
  firstFace?(box: Box | null): void;
}

/** Below this mesh presence score the frame counts as having no face. */
const MIN_MESH_CONFIDENCE = 0.5;
/** At most this many detector runs per clip: the detector is the slowest model per call. */
const MAX_DETECTIONS = 8;
/** Detection passes per frame: the plain frame, then the frame shrunk inside a border. */
const DETECTION_PADS = [0, 1.3];

export function cropFromDetection(d: Detection): CropSpec {
  // Eye keypoints give the roll; order them left-to-right in the image.
  let [a, b] = [d.keypoints[0], d.keypoints[1]];
  if (a[0] > b[0]) [a, b] = [b, a];
  return {
    cx: d.x + d.width / 2,
    cy: d.y + d.height / 2,
    size: Math.max(d.width, d.height) * 1.5,
    angle: Math.atan2(b[1] - a[1], b[0] - a[0]),
  };
}

/**
 * The position of a clip's `n` frames whose frame the analysis wants first: the middle one, where
 * the detector looks first and whose seed crop lets the other frames be scored as they arrive.
 */
export function clipSeedPosition(n: number): number {
  return Math.floor((n - 1) / 2);
}

/** Order in which frames get the detector: the middle first, then the ends, then between. */
function detectionOrder(n: number): number[] {
  const order = [clipSeedPosition(n), 0, n - 1, Math.floor((n - 1) / 4), Math.floor((3 * (n - 1)) / 4)];
  const seen = new Set<number>();
  return order.filter((i) => i >= 0 && i < n && !seen.has(i) && seen.add(i) !== undefined);
}

/**
 * One clip's analysis, fed frame by frame. Once the middle frame is in and gives a face and a
 * seed crop ('stream' mode), every frame that has arrived is meshed and scored while the rest
 * are still decoding; `finish` does what is left. Without a seed from the middle frame
 * ('batch' mode), everything waits for `finish` and runs as one batch (the detector then tries
 * the ends and quarter points too). Per frame the work is the same either way; only the order
 * in which a clip spends its detector budget on frames the mesh rejects follows their arrival.
 * Work runs one step at a time on a chain; the first failure stops it and `finish` throws it.
 */
export class ClipSession<A extends Scored> {
  private readonly frames: (RgbFrame | undefined)[];
  private readonly detections = new Map<number, Detection>();
  private readonly attempts = new Map<number, number>();
  private readonly meshes: (MeshResult | null)[];
  private readonly scores = new Map<number, ModelScores>();
  private readonly ownDetection = new Set<number>();
  private readonly done = new Set<number>();
  private readonly middle: number;
  private detectorRuns = 0;
  private seed: CropSpec | undefined;
  private seedTried = false;
  /** 'pending' until the middle frame is tried; 'stream' when its seed lets frames go as they come. */
  private mode: 'pending' | 'stream' | 'batch' = 'pending';
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private firstFaceAsked = false;

  constructor(
    private readonly models: SessionModels<A>,
    private readonly n: number,
    private readonly progress: ClipProgress = {},
  ) {
    this.frames = new Array<RgbFrame | undefined>(n);
    this.meshes = new Array<MeshResult | null>(n).fill(null);
    this.middle = clipSeedPosition(n);
  }

  /** Frame at position `i` (0-based, of `n`) has arrived; work on it may start now. */
  add(i: number, frame: RgbFrame): void {
    if (i < 0 || i >= this.n || this.frames[i]) return;
    this.frames[i] = frame;
    if (this.progress.firstFace && !this.firstFaceAsked) {
      this.firstFaceAsked = true;
      // Told even when the analysis has failed: a cover may be waiting for it.
      this.chain = this.chain.then(() => this.reportFirstFace(frame));
    }
    if (i === this.middle && this.mode === 'pending') {
      this.enqueue(async () => {
        // 1. The middle frame first (plain, then padded).
        if ((await this.detectAt(this.middle)) && (await this.makeSeed(), this.seed !== undefined))
          this.mode = 'stream';
        else this.mode = 'batch';
      });
    }
    if (this.mode !== 'batch') {
      this.enqueue(async () => {
        if (this.mode !== 'stream') return;
        const ids = this.arrivedNotDone();
        if (ids.length === 0) return;
        await this.processFrames(ids);
        this.reportScores(ids);
      });
    }
  }

  /** All frames, final: finishes the analysis (positions whose frame changed are redone). */
  async finish(final: RgbFrame[]): Promise<A[]> {
    const n = this.n;
    if (final.length !== n) throw new RangeError(`finish: expected ${n} frames, got ${final.length}`);
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    if (this.mode === 'stream' && this.frames[this.middle] !== final[this.middle]) {
      // The seed came from a frame that is not the final one: start over as one batch.
      return this.models.analyzeFrames(final);
    }
    // A position whose final frame is not the one that arrived is analysed again.
    for (let i = 0; i < n; i++) {
      if (this.frames[i] !== final[i]) {
        this.done.delete(i);
        this.meshes[i] = null;
        this.scores.delete(i);
      }
      this.frames[i] = final[i];
    }
    if (this.mode !== 'stream') {
      // 1. Find a face somewhere: the middle frame first, then the ends. 2. The seed.
      if (this.detections.size === 0) for (const i of detectionOrder(n)) if (await this.detectAt(i)) break;
      await this.makeSeed();
      // 3-4. Mesh and score every frame as one batch.
      this.done.clear();
    }
    const rest = this.arrivedNotDone();
    if (rest.length > 0) await this.processFrames(rest);
    await this.alignedForClip();
    return final.map((frame, i) => this.models.frameAnalysis(frame, this.meshes[i], this.scores.get(i)));
  }

  /** The clip will not be finished (its decode failed): drop the work, swallow its errors. */
  abandon(): void {
    this.failure ??= new Error('abandoned');
    this.chain.catch(() => undefined);
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure === undefined) await work();
    });
    this.chain = this.chain.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  private arrivedNotDone(): number[] {
    const ids: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.frames[i] && !this.done.has(i)) ids.push(i);
    return ids;
  }

  /** A progress listener's failure is its own: the analysis goes on. */
  private tell(report: () => void): void {
    try {
      report();
    } catch {
      // ignored on purpose
    }
  }

  private async reportFirstFace(frame: RgbFrame): Promise<void> {
    let found: Detection | null = null;
    try {
      for (const pad of DETECTION_PADS) found ??= await this.models.detector.detectLargest(frame, pad);
    } catch {
      found = null; // a hint only: the clip's own analysis reports its errors
    }
    const { width: w, height: h } = frame;
    const box = found
      ? { x: found.x / w, y: found.y / h, width: found.width / w, height: found.height / h }
      : null;
    this.tell(() => this.progress.firstFace?.(box));
  }

  private reportScores(ids: number[]): void {
    const scored = this.progress.scored;
    if (!scored) return;
    for (const i of ids) {
      const s = this.scores.get(i);
      if (!s) continue;
      const probabilities = this.models.frameAnalysis(this.frames[i]!, this.meshes[i], s).probabilities;
      if (probabilities) this.tell(() => scored(i, probabilities));
    }
  }

  /** Next detection attempt for frame i (plain, then padded); false when none is left. */
  private async detectAt(i: number): Promise<boolean> {
    for (let k = this.attempts.get(i) ?? 0; k < DETECTION_PADS.length; k++) {
      if (this.detectorRuns >= MAX_DETECTIONS) return false;
      this.detectorRuns++;
      this.attempts.set(i, k + 1);
      const d = await this.models.detector.detectLargest(this.frames[i]!, DETECTION_PADS[k]);
      if (d) {
        this.detections.set(i, d);
        return true;
      }
    }
    return false;
  }

  private nearestDetection(i: number): Detection | undefined {
    let best: Detection | undefined;
    let bestDist = Infinity;
    for (const [j, d] of this.detections) {
      if (Math.abs(j - i) < bestDist) {
        best = d;
        bestDist = Math.abs(j - i);
      }
    }
    return best;
  }

  /**
   * Seed crop: the mesh of the detected frame, levelled and centred on its own points,
   * frames a face better than the detector's box; selfie clips move little between the
   * sampled frames, so every frame starts from it (one mesh batch instead of two).
   */
  private async makeSeed(): Promise<void> {
    if (this.seedTried) return;
    this.seedTried = true;
    const first = [...this.detections][0];
    if (first && this.models.refine) {
      const [r] = await this.models.mesh.run([
        { frame: this.frames[first[0]]!, crop: cropFromDetection(first[1]) },
      ]);
      if (r.confidence >= MIN_MESH_CONFIDENCE) this.seed = meshCropFromPoints(r.points);
    }
  }

  /** Mesh then score frames `ids`. */
  private async processFrames(ids: number[]): Promise<void> {
    for (const i of ids) this.done.add(i);
    await this.meshFrames(ids);
    await this.scoreFrames(ids.filter((i) => this.meshes[i] !== null));
  }

  /**
   * Mesh frames `ids` from the seed (or the nearest detection). Where the mesh rejects the
   * crop, detect on that frame itself (padded after plain: a face filling the picture fools
   * BlazeFace into a small box on part of it), mesh again, then refine it.
   */
  private async meshFrames(ids: number[]): Promise<void> {
    const toRefine: number[] = [];
    let pending = this.detections.size > 0 ? ids : [];
    while (pending.length > 0) {
      const batch = pending.map((i) => {
        const fromSeed = this.seed !== undefined && !this.ownDetection.has(i);
        return {
          i,
          fromSeed,
          frame: this.frames[i]!,
          crop: fromSeed ? this.seed! : cropFromDetection(this.nearestDetection(i)!),
        };
      });
      const results = await this.models.mesh.run(batch);
      const retry: number[] = [];
      for (let k = 0; k < results.length; k++) {
        const i = batch[k].i;
        if (results[k].confidence >= MIN_MESH_CONFIDENCE) {
          this.meshes[i] = results[k];
          if (!batch[k].fromSeed) toRefine.push(i);
        } else if (await this.detectAt(i)) {
          this.ownDetection.add(i);
          retry.push(i);
        }
      }
      pending = retry;
    }
    if (this.models.refine && toRefine.length > 0) {
      const batch = toRefine.map((i) => ({
        frame: this.frames[i]!,
        crop: meshCropFromPoints(this.meshes[i]!.points),
      }));
      const results = await this.models.mesh.run(batch);
      results.forEach((r, k) => {
        if (r.confidence >= MIN_MESH_CONFIDENCE) this.meshes[toRefine[k]] = r;
      });
    }
  }

  /** Both expression models on aligned crops (optionally with mirror images), batched. */
  private async scoreFrames(withFace: number[]): Promise<void> {
    const m = this.models;
    const still = this.n === 1 && withFace.length > 0;
    const crop = (i: number, margin: number): { frame: RgbFrame; crop: CropSpec } => ({
      frame: this.frames[i]!,
      crop: expressionCrop(this.meshes[i]!.points, margin),
    });
    const ferCrops = withFace.map((i) => crop(i, m.margin));
    const faceApiCrops = withFace.map((i) => crop(i, m.faceApiMargin));
    const expr = await m.expression.run(ferCrops, m.flip);
    const expr2 = await m.faceApi.run(faceApiCrops, m.faceApiFlip);
    // A still image: the still-image layer also gets both nets mirror-averaged (one more
    // pass of the two small nets on one crop).
    const mirror =
      still && m.stillFlip
        ? await Promise.all([m.expression.run(ferCrops, true), m.faceApi.run(faceApiCrops, true)])
        : undefined;
    // The third view of a still now; a clip's frames once all are in (`alignedForClip`).
    const alignedStill = still && m.alignedStill;
    const alignedCrops = alignedStill
      ? withFace.map((i) => ({
          frame: this.frames[i]!,
          crop: alignedFaceCrop(this.meshes[i]!.points, 112, this.models.alignedMargin),
        }))
      : [];
    // One run per view: the plain logits, and their mean with the mirror image's.
    const alignedViews = alignedStill ? await m.aligned!.views(alignedCrops, m.alignedStillFlip) : undefined;
    const m7 = alignedViews?.map((v) => v.plain);
    const m7Mirror = m.alignedStillFlip ? alignedViews?.map((v) => v.flipped!) : undefined;
    withFace.forEach((i, k) =>
      this.scores.set(i, {
        p7: expr[k].probs,
        q7: expr2[k].probs,
        ef: expr[k].embedding,
        ea: expr2[k].embedding,
        ...(m7 ? { m7: m7[k] } : {}),
        ...(mirror
          ? {
              mirrored: {
                p7: mirror[0][k].probs,
                q7: mirror[1][k].probs,
                ef: mirror[0][k].embedding,
                ea: mirror[1][k].embedding,
                ...(m7Mirror ? { m7: m7Mirror[k] } : {}),
              },
            }
          : {}),
      }),
    );
  }

  /**
   * A clip's aligned view, once every frame is meshed: the model sees `clipFrames` of the
   * frames with a face, spread evenly, and each of them reads their mean (`alignedClipView`,
   * which `eval` applies to cached per-frame logits the same way).
   */
  private async alignedForClip(): Promise<void> {
    const { clipFrames, aligned, everyFrame } = this.models;
    if (this.n === 1 || clipFrames === 0) return;
    const faced = [...this.scores.keys()].sort((a, b) => a - b);
    const picks = alignedFramePicks(faced.length, clipFrames).map((j) => faced[j]);
    const logits = await aligned!.run(
      picks.map((i) => ({
        frame: this.frames[i]!,
        crop: alignedFaceCrop(this.meshes[i]!.points, 112, this.models.alignedMargin),
      })),
    );
    picks.forEach((i, k) => (this.scores.get(i)!.m7 = logits[k]));
    if (everyFrame) return;
    const view = alignedClipView(
      faced.map((i) => ({ geometry: [], ...this.scores.get(i)! })),
      clipFrames,
    );
    faced.forEach((i, k) => (this.scores.get(i)!.m7 = view[k]!.m7));
  }
}
