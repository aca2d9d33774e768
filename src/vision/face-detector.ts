import type { RgbFrame } from '../media/types.js';
import { resizeFrame, sampleCrop } from './image-ops.js';
import { loadHumanModel } from './model-loader.js';
import type { OnnxNet } from './onnx/onnx-net.js';

/** A face found by BlazeFace, in source pixels. */
export interface Detection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** Six keypoints: eye, eye, nose, mouth, ear, ear (image left/right order not guaranteed). */
  keypoints: [number, number][];
}

const INPUT = 256;
const MIN_SCORE = 0.5;
const IOU_THRESHOLD = 0.3;

/** BlazeFace anchors for the 256 px "back" model: 16x16 grid x 2, then 8x8 grid x 6. */
function makeAnchors(): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = Math.ceil(INPUT / stride);
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++) {
        for (let n = 0; n < perCell; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
      }
    }
  }
  return Float32Array.from(out);
}

function iou(a: Detection, b: Detection): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** BlazeFace (MediaPipe short-range face detector, "back" 256 px variant shipped by human). */
export class FaceDetector {
  private readonly anchors = makeAnchors();

  private constructor(private readonly model: OnnxNet) {}

  static async create(): Promise<FaceDetector> {
    return new FaceDetector(await loadHumanModel('blazeface'));
  }

  /** The largest face with score >= MIN_SCORE, or null; `pad` as in `detect`. */
  async detectLargest(frame: RgbFrame, pad = 0): Promise<Detection | null> {
    const all = await this.detect(frame, pad);
    let best: Detection | null = null;
    for (const d of all) if (!best || d.width * d.height > best.width * best.height) best = d;
    return best;
  }

  /**
   * All faces after non-maximum suppression, in source pixels.
   * @param pad 0: the whole frame stretched to the input; > 0: a centred square `pad` times the
   *   frame's long side (aspect kept, black outside the frame).
   */
  async detect(frame: RgbFrame, pad = 0): Promise<Detection[]> {
    // A buffer per call: onnxruntime reads its input while the run is pending, and detections
    // of one detector may overlap.
    const input = new Float32Array(INPUT * INPUT * 3);
    let sx = frame.width / INPUT;
    let sy = frame.height / INPUT;
    let ox = 0;
    let oy = 0;
    if (pad > 0) {
      const size = Math.max(frame.width, frame.height) * pad;
      sampleCrop(frame, { cx: frame.width / 2, cy: frame.height / 2, size, angle: 0 }, INPUT, 3, input);
      sx = sy = size / INPUT;
      ox = frame.width / 2 - size / 2;
      oy = frame.height / 2 - size / 2;
    } else {
      resizeFrame(frame, INPUT, input);
    }
    // The model was trained on [-1, 1] input.
    for (let i = 0; i < input.length; i++) input[i] = input[i] * 2 - 1;
    const outputs = Object.values(await this.model.run(input, [1, INPUT, INPUT, 3]));
    // Four heads: scores and regressors for the 512 stride-16 and 384 stride-32 anchors.
    const [s384, s512, r384, r512] = outputs.map((t) => t.data).sort((a, b) => a.length - b.length);
    if (!s384 || !s512 || !r384 || !r512) throw new Error('unexpected face detector outputs');
    const scores = [s512, s384];
    const regs = [r512, r384];
    const found: Detection[] = [];
    let anchorIndex = 0;
    for (let head = 0; head < 2; head++) {
      const sc = scores[head];
      const rg = regs[head];
      for (let i = 0; i < sc.length; i++, anchorIndex++) {
        const score = 1 / (1 + Math.exp(-sc[i]));
        if (score < MIN_SCORE) continue;
        const ax = this.anchors[anchorIndex * 2];
        const ay = this.anchors[anchorIndex * 2 + 1];
        const r = i * 16;
        const cx = (rg[r] + ax) * sx + ox;
        const cy = (rg[r + 1] + ay) * sy + oy;
        const w = rg[r + 2] * sx;
        const h = rg[r + 3] * sy;
        const keypoints: [number, number][] = [];
        for (let k = 0; k < 6; k++)
          keypoints.push([(rg[r + 4 + k * 2] + ax) * sx + ox, (rg[r + 5 + k * 2] + ay) * sy + oy]);
        found.push({ x: cx - w / 2, y: cy - h / 2, width: w, height: h, score, keypoints });
      }
    }
    found.sort((a, b) => b.score - a.score);
    const kept: Detection[] = [];
    for (const d of found) if (kept.every((k) => iou(k, d) < IOU_THRESHOLD)) kept.push(d);
    return kept;
  }
}
