import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALIGNED_EXPRESSION_MODEL } from '../../src/model-files/pinned-models.js';
import { ALIGNED_CLASSES } from '../../src/vision/aligned-classes.js';
import { AlignedExpressionModel } from '../../src/vision/aligned-expression.js';
import { humanModelsDir, readTfjsGraph } from '../../src/vision/model-loader.js';
import { tfjsGraphToOnnx } from '../../src/vision/onnx/from-tfjs-graph.js';

describe('AlignedExpressionModel (MODELS_DIR from vitest.config.ts)', () => {
  it('gives 7 logits per aligned crop, the same for the same crop', async () => {
    const model = await AlignedExpressionModel.create(
      join(process.env.MODELS_DIR!, ALIGNED_EXPRESSION_MODEL.file),
    );
    try {
      const data = new Uint8Array(128 * 128 * 3).map((_, i) => (i * 37) % 251);
      const frame = { width: 128, height: 128, data, index: 0, t: 0 };
      const crop = { cx: 64, cy: 64, size: 100, angle: 0 };
      const [a, b] = await model.run([
        { frame, crop },
        { frame, crop },
      ]);
      expect(a).toHaveLength(ALIGNED_CLASSES.length);
      expect([...a!].every(Number.isFinite)).toBe(true);
      expect([...b!]).toEqual([...a!]);
    } finally {
      await model.dispose();
    }
  });

  it('refuses another model (its input and output are named in the error)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aligned-'));
    try {
      const { nodes, weights } = await readTfjsGraph(join(humanModelsDir(), 'emotion.json'));
      const path = join(dir, 'emotion.onnx');
      await writeFile(path, tfjsGraphToOnnx(nodes, weights));
      await expect(AlignedExpressionModel.create(path)).rejects.toThrow(
        /is not the aligned expression model .* got /,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
