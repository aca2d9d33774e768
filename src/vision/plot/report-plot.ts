/**
 * The picture of an evaluation (`eval --plot out.png`): the confusion matrix, the reliability
 * diagram of the confidence and the accuracy-against-coverage curve, side by side.
 */
import { EMOTIONS5 } from '../emotions.js';
import type { EvalReport } from '../evaluation.js';
import { Raster, type Rgb } from './raster.js';

const INK: Rgb = [30, 30, 30];
const GREY: Rgb = [160, 160, 160];
const LIGHT: Rgb = [225, 225, 225];
const BLUE: Rgb = [40, 90, 170];
const RED: Rgb = [200, 50, 40];

export const PLOT_WIDTH = 1260;
export const PLOT_HEIGHT = 470;

const PANEL_TOP = 60;
const SIDE = 320;

function shade(share: number): Rgb {
  const s = Math.max(0, Math.min(1, share));
  return [Math.round(255 - s * 215), Math.round(255 - s * 165), Math.round(255 - s * 85)];
}

function confusionPanel(r: Raster, x0: number, report: EvalReport): void {
  const cols = [...EMOTIONS5, 'no_face'] as const;
  const short = (c: string): string => (c === 'no_face' ? 'NONE' : c.slice(0, 5));
  const cellW = 52;
  const cellH = SIDE / 5;
  const left = x0 + 80;
  r.text(x0, PANEL_TOP - 40, 'CONFUSION (ROW = TRUE)', INK, 2);
  cols.forEach((c, j) => r.text(left + j * cellW + cellW / 2, PANEL_TOP - 14, short(c), INK, 1, 'center'));
  EMOTIONS5.forEach((t, i) => {
    const row = report.confusion[t];
    const total = cols.reduce((s, c) => s + row[c], 0);
    const y = PANEL_TOP + i * cellH;
    r.text(left - 8, y + cellH / 2 - 7, t, INK, 2, 'right');
    cols.forEach((c, j) => {
      const share = total ? row[c] / total : 0;
      const x = left + j * cellW;
      r.fillRect(x, y, cellW, cellH, shade(share));
      r.strokeRect(x, y, cellW, cellH, LIGHT);
      if (c === t) r.strokeRect(x + 1, y + 1, cellW - 2, cellH - 2, INK);
      r.text(
        x + cellW / 2,
        y + cellH / 2 - 7,
        String(row[c]),
        share > 0.55 ? [255, 255, 255] : INK,
        2,
        'center',
      );
    });
  });
  const o = report.overall;
  r.text(
    x0,
    PANEL_TOP + SIDE + 20,
    `ACCURACY ${(o.accuracy * 100).toFixed(1)}%  MACRO-F1 ${o.macro_f1.toFixed(3)}  N=${o.n}`,
    INK,
    2,
  );
}

/** Axes of a unit square plot; returns the mapping from data to pixels. */
function axes(
  r: Raster,
  x0: number,
  xLabel: string,
  yLabel: string,
): (x: number, y: number) => [number, number] {
  const left = x0 + 40;
  const top = PANEL_TOP;
  for (let k = 0; k <= 10; k++) {
    const t = k / 10;
    r.line(left + t * SIDE, top, left + t * SIDE, top + SIDE, LIGHT);
    r.line(left, top + SIDE - t * SIDE, left + SIDE, top + SIDE - t * SIDE, LIGHT);
    if (k % 2 === 0) {
      r.text(left + t * SIDE, top + SIDE + 6, t.toFixed(1), INK, 1, 'center');
      r.text(left - 6, top + SIDE - t * SIDE - 3, t.toFixed(1), INK, 1, 'right');
    }
  }
  r.strokeRect(left, top, SIDE, SIDE, INK);
  r.text(left + SIDE / 2, top + SIDE + 20, xLabel, INK, 2, 'center');
  r.text(x0 - 10, top - 14, yLabel, INK, 1);
  return (x, y) => [left + x * SIDE, top + SIDE - y * SIDE];
}

function reliabilityPanel(r: Raster, x0: number, report: EvalReport): void {
  r.text(x0, PANEL_TOP - 40, `RELIABILITY  ECE ${report.overall.ece.toFixed(3)}`, INK, 2);
  const at = axes(r, x0, 'CONFIDENCE', 'ACCURACY');
  const [dx0, dy0] = at(0, 0);
  const [dx1, dy1] = at(1, 1);
  r.line(dx0, dy0, dx1, dy1, GREY, 2);
  for (const b of report.reliability) {
    if (b.n === 0) continue;
    const [xa, ya] = at(b.lo, b.accuracy);
    const [xb, yb] = at(b.hi, 0);
    r.fillRect(xa + 2, ya, xb - xa - 4, yb - ya, BLUE);
    // the bin's mean confidence: where the bar's top would be if the confidence were honest
    const [, yc] = at(b.lo, b.confidence);
    r.fillRect(xa + 2, yc - 1, xb - xa - 4, 3, RED);
    r.text((xa + xb) / 2, Math.min(ya, yc) - 12, String(b.n), INK, 1, 'center');
  }
  const [lx, ly] = at(0.03, 0.97);
  r.fillRect(lx, ly, 10, 8, BLUE);
  r.text(lx + 14, ly, 'ACCURACY IN BIN', INK, 1);
  r.fillRect(lx, ly + 14, 10, 3, RED);
  r.text(lx + 14, ly + 12, 'MEAN CONFIDENCE', INK, 1);
}

function coveragePanel(r: Raster, x0: number, report: EvalReport): void {
  r.text(x0, PANEL_TOP - 40, 'ACCURACY VS ANSWERED', INK, 2);
  const at = axes(r, x0, 'SHARE ANSWERED', 'ACCURACY');
  const pts = report.coverage.filter((c) => c.answered > 0);
  let labelled: [number, number] | undefined;
  pts.forEach((c, i) => {
    const [x, y] = at(c.answered, c.accuracy);
    if (i > 0) {
      const [px, py] = at(pts[i - 1].answered, pts[i - 1].accuracy);
      r.line(px, py, x, y, BLUE, 2);
    }
    r.fillRect(x - 3, y - 3, 7, 7, RED);
    // thresholds that answer about as many rows would print over each other
    if (!labelled || Math.hypot(x - labelled[0], y - labelled[1]) > 28) {
      const label = `>=${c.threshold.toFixed(1)}`;
      // near the right edge the label goes to the point's left
      if (x + 8 + r.textWidth(label, 1) > PLOT_WIDTH) r.text(x - 6, y + 4, label, INK, 1, 'right');
      else r.text(x + 6, y + 4, label, INK, 1);
      labelled = [x, y];
    }
  });
}

/** The PNG of an evaluation report. */
export function renderEvalPlot(report: EvalReport, title = ''): Buffer {
  const r = new Raster(PLOT_WIDTH, PLOT_HEIGHT);
  if (title) r.text(10, 4, title, INK, 1);
  confusionPanel(r, 20, report);
  reliabilityPanel(r, 470, report);
  coveragePanel(r, 870, report);
  return r.toPng();
}
