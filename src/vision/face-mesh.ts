import type { RgbFrame } from '../media/types.js';
import { sampleCrop, type CropSpec } from './image-ops.js';
import { inChunks } from './batching.js';
import { loadHumanModel } from './model-loader.js';
import type { OnnxNet } from './onnx/onnx-net.js';

export const MESH_POINTS = 468;
const INPUT = 192;

/** One face mesh: 468 points in source pixels (z in the same pixel scale as x). */
export interface MeshResult {
  /** Face presence score of the mesh model, in [0, 1]. */
  confidence: number;
  /** x, y, z per point, source pixels. */
  points: Float32Array;
}

/** MediaPipe Face Mesh (468 points), run on aligned square crops, batched. */
export class FaceMesh {
  private constructor(private readonly model: OnnxNet) {}

  static async create(): Promise<FaceMesh> {
    return new FaceMesh(await loadHumanModel('facemesh'));
  }

  /** Run the mesh on one crop per frame, batched. */
  async run(items: { frame: RgbFrame; crop: CropSpec }[]): Promise<MeshResult[]> {
    return inChunks(items, (chunk) => this.runBatch(chunk));
  }

  private async runBatch(items: { frame: RgbFrame; crop: CropSpec }[]): Promise<MeshResult[]> {
    if (items.length === 0) return [];
    const stride = INPUT * INPUT * 3;
    const input = new Float32Array(items.length * stride);
    items.forEach((item, i) => sampleCrop(item.frame, item.crop, INPUT, 3, input, i * stride));
    const outputs = Object.values(await this.model.run(input, [items.length, INPUT, INPUT, 3]));
    const coords = outputs.find((t) => t.dims[t.dims.length - 1] === MESH_POINTS * 3)?.data;
    const conf = outputs.find((t) => t.dims[t.dims.length - 1] === 1)?.data;
    if (!coords || !conf) throw new Error('unexpected face mesh model outputs');
    return items.map(({ crop }, i) => {
      const points = new Float32Array(MESH_POINTS * 3);
      const scale = crop.size / INPUT;
      const cos = Math.cos(crop.angle);
      const sin = Math.sin(crop.angle);
      const base = i * MESH_POINTS * 3;
      for (let p = 0; p < MESH_POINTS; p++) {
        const dx = (coords[base + p * 3] - INPUT / 2) * scale;
        const dy = (coords[base + p * 3 + 1] - INPUT / 2) * scale;
        points[p * 3] = crop.cx + cos * dx - sin * dy;
        points[p * 3 + 1] = crop.cy + sin * dx + cos * dy;
        points[p * 3 + 2] = coords[base + p * 3 + 2] * scale;
      }
      // Some conversions emit a logit, others a probability: squash only when out of range.
      const c = conf[i];
      const confidence = c >= 0 && c <= 1 ? c : 1 / (1 + Math.exp(-c));
      return { confidence, points };
    });
  }
}
