import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { EMOTIONS5 } from '../../src/vision/emotions.js';
import { evaluate, type Scored } from '../../src/vision/evaluation.js';
import { PLOT_HEIGHT, PLOT_WIDTH, renderEvalPlot } from '../../src/vision/plot/report-plot.js';
import { Raster } from '../../src/vision/plot/raster.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function items(): Scored[] {
  const out: Scored[] = [];
  EMOTIONS5.forEach((truth, i) => {
    for (let j = 0; j < 20; j++) {
      const right = j % 4 !== 0;
      out.push({
        source: j % 2 ? 'a' : 'b',
        truth,
        predicted: j === 19 ? null : right ? truth : EMOTIONS5[(i + 1) % 5],
        confidence: j === 19 ? undefined : 0.3 + (j % 7) / 10,
        kind: j % 3 ? 'image' : 'video',
      });
    }
  });
  return out;
}

describe('eval plot', () => {
  it('is a PNG of the documented size with the confusion matrix, reliability and coverage drawn', () => {
    const png = renderEvalPlot(evaluate(items()), 'labels.csv (100 rows)');
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR: width and height, big-endian, right after the signature and chunk header
    expect(png.readUInt32BE(16)).toBe(PLOT_WIDTH);
    expect(png.readUInt32BE(20)).toBe(PLOT_HEIGHT);
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(400_000);
    const decoded = PNG.sync.read(png);
    const ink = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 0; y < decoded.height; y++)
        for (let x = x0; x < x1; x++) {
          const i = (y * decoded.width + x) * 4;
          if (decoded.data[i] + decoded.data[i + 1] + decoded.data[i + 2] < 600) n++;
        }
      return n;
    };
    // each of the three panels has something drawn in it
    expect(ink(0, 450)).toBeGreaterThan(2_000);
    expect(ink(470, 860)).toBeGreaterThan(2_000);
    expect(ink(870, PLOT_WIDTH)).toBeGreaterThan(1_000);
  });

  it('an empty report still draws (no answers at all)', () => {
    const png = renderEvalPlot(evaluate([]));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('text is drawn with the bitmap font, measured as drawn', () => {
    const r = new Raster(60, 20);
    expect(r.textWidth('AB', 2)).toBe(22);
    r.text(1, 1, 'AB', [0, 0, 0], 2);
    const dark = Array.from({ length: 60 * 20 }, (_, p) => r.data[p * 4]).filter((v) => v === 0).length;
    expect(dark).toBeGreaterThan(20);
  });
});
