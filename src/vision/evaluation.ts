import { EMOTIONS5, type Emotion5 } from './emotions.js';

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** One row of a labels file in the format of evaldata/labels.csv. */
export interface LabelRow {
  path: string;
  source: string;
  original_label: string;
  /** Empty when the label is not one of the five (such rows are skipped). */
  class5: string;
  kind: string;
  subject_id: string;
}

/** Split one CSV line, honouring double quotes ("" inside quotes is a quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The columns of a labels file, in the order evaldata/labels.csv has them. */
export const LABEL_COLUMNS = ['path', 'source', 'original_label', 'class5', 'kind', 'subject_id'] as const;

/**
 * A labels file that cannot be read as one: its message is meant to be shown as it is
 * (one line for the header; a line per bad row), without a stack trace.
 */
export class LabelsFileError extends Error {
  override readonly name = 'LabelsFileError';
}

/** Bad rows listed in one error, at most; the rest are counted. */
const MAX_LISTED = 20;

/**
 * Parse a labels CSV (header row required; needs at least `path` and `class5`). `class5`
 * names are matched case-insensitively (`happy` is `Happy`) and come out in their canonical
 * spelling; an empty `class5` marks a row on purpose as not one of the five (such rows are
 * kept, with `class5` empty, for the caller to skip and count); any other value, a row
 * without a `class5` cell or a labelled row without a path is a {@link LabelsFileError}
 * naming each such row by its line number in the file and its value.
 */
export function parseLabels(csv: string, file = 'labels file'): LabelRow[] {
  const lines = csv.split(/\r?\n/).map((text, i) => ({ text, line: i + 1 }));
  const filled = lines.filter((l) => l.text.trim() !== '');
  if (filled.length === 0) return [];
  const header = splitCsvLine(filled[0]!.text.replace(/^\uFEFF/, '')).map((h) => h.trim());
  const missing = ['path', 'class5'].filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new LabelsFileError(
      `${file}: the header (line ${filled[0]!.line}) must name the columns ${LABEL_COLUMNS.join(',')} (path and class5 at least); it has ${header.join(',') || 'none'}, without ${missing.join(' and ')}.`,
    );
  }
  const canonical = new Map(EMOTIONS5.map((e) => [e.toLowerCase(), e]));
  const problems: string[] = [];
  const rows = filled.slice(1).map(({ text, line }) => {
    const cells = splitCsvLine(text);
    const get = (name: string): string => (cells[header.indexOf(name)] ?? '').trim();
    const raw = get('class5');
    const class5 = raw === '' ? '' : canonical.get(raw.toLowerCase());
    if (cells.length <= header.indexOf('class5')) {
      problems.push(`line ${line}: no class5 cell (${cells.length} cells; the header has ${header.length})`);
    } else if (class5 === undefined) {
      problems.push(
        `line ${line}: class5 "${raw}" is not one of ${EMOTIONS5.join(', ')} (any case), nor empty (a row left out on purpose)`,
      );
    } else if (class5 !== '' && get('path') === '') {
      problems.push(`line ${line}: a ${class5} row without a path`);
    }
    return {
      path: get('path'),
      source: get('source') || 'unknown',
      original_label: get('original_label'),
      class5: class5 ?? raw,
      kind: get('kind'),
      subject_id: get('subject_id'),
    };
  });
  if (problems.length > 0) {
    const more = problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more`] : [];
    throw new LabelsFileError(
      [`${file}: ${problems.length} row(s) cannot be used:`, ...problems.slice(0, MAX_LISTED), ...more].join(
        '\n  ',
      ),
    );
  }
  return rows;
}

export interface GroupScores {
  accuracy: number;
  macro_f1: number;
  n: number;
  no_face: number;
  /** ECE of this group's answers (10 bins). */
  ece: number;
}

export interface ClassScores {
  n: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalReport {
  overall: {
    accuracy: number;
    macro_f1: number;
    n: number;
    no_face: number;
    errors: number;
    /** Expected calibration error of the answer's confidence (10 equal-width bins). */
    ece: number;
  };
  by_source: Record<string, GroupScores>;
  /** Videos and still images apart (rows' `kind`). */
  by_kind: Record<string, GroupScores>;
  /** Accuracy against the share answered when abstaining below a confidence threshold. */
  coverage: CoveragePoint[];
  /** The reliability diagram's bins (10), from which `overall.ece` is computed. */
  reliability: ReliabilityBin[];
  by_class: Record<Emotion5, ClassScores>;
  /** confusion[true][predicted]; "no_face" column counts rows without a face. */
  confusion: Record<Emotion5, Record<Emotion5 | 'no_face', number>>;
}

/** One scored row: the true class and what came out (null: no face or failed). */
export interface Scored {
  source: string;
  truth: Emotion5;
  predicted: Emotion5 | null;
  error?: boolean;
  /** `video` or `image` (labels.csv's kind); default `video`. */
  kind?: string;
  /** The answer's confidence (its probability), when there is an answer. */
  confidence?: number;
}

/** One bin of a reliability diagram: answers with confidence in [lo, hi). */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  /** Share of the bin's answers that are right (0 when empty). */
  accuracy: number;
  /** Mean confidence of the bin's answers (0 when empty). */
  confidence: number;
}

const answeredOf = (items: Scored[]): Scored[] =>
  items.filter((s) => s.predicted !== null && s.confidence !== undefined);

/** Rows with an answer binned by confidence into `bins` equal intervals of [0, 1]. */
export function reliabilityBins(items: Scored[], bins = 10): ReliabilityBin[] {
  const answered = answeredOf(items);
  return Array.from({ length: bins }, (_, b) => {
    const inBin = answered.filter((s) => {
      const c = s.confidence!;
      return b === bins - 1 ? c >= b / bins && c <= 1 : c >= b / bins && c < (b + 1) / bins;
    });
    const n = inBin.length;
    return {
      lo: b / bins,
      hi: (b + 1) / bins,
      n,
      accuracy: n ? inBin.filter((s) => s.predicted === s.truth).length / n : 0,
      confidence: n ? inBin.reduce((sum, s) => sum + s.confidence!, 0) / n : 0,
    };
  });
}

/**
 * Expected calibration error: rows with an answer binned by confidence into `bins` equal
 * intervals of [0, 1]; the mean over bins of |accuracy - mean confidence|, weighted by the
 * share of rows in the bin. Rows without an answer or confidence are left out.
 */
export function expectedCalibrationError(items: Scored[], bins = 10): number {
  const answered = answeredOf(items).length;
  if (answered === 0) return 0;
  return reliabilityBins(items, bins).reduce(
    (ece, b) => ece + (b.n / answered) * Math.abs(b.accuracy - b.confidence),
    0,
  );
}

/** What an app that abstains below `threshold` would get: the share it answers and how often it is right. */
export interface CoveragePoint {
  threshold: number;
  /** Share of the answers (rows with a face) whose confidence is at least the threshold. */
  answered: number;
  /** Accuracy over those answers (0 when none). */
  accuracy: number;
}

export const COVERAGE_THRESHOLDS = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The accuracy-against-coverage curve of the confidence. */
export function accuracyCoverage(items: Scored[], thresholds = COVERAGE_THRESHOLDS): CoveragePoint[] {
  const answered = answeredOf(items);
  return thresholds.map((threshold) => {
    const kept = answered.filter((s) => s.confidence! >= threshold);
    return {
      threshold,
      answered: r4(answered.length ? kept.length / answered.length : 0),
      accuracy: r4(kept.length ? kept.filter((s) => s.predicted === s.truth).length / kept.length : 0),
    };
  });
}

function scoreSet(items: Scored[]): {
  accuracy: number;
  macro_f1: number;
  byClass: Record<Emotion5, ClassScores>;
} {
  const byClass = {} as Record<Emotion5, ClassScores>;
  for (const e of EMOTIONS5) {
    const tp = items.filter((s) => s.truth === e && s.predicted === e).length;
    const fp = items.filter((s) => s.truth !== e && s.predicted === e).length;
    const n = items.filter((s) => s.truth === e).length;
    const fn = n - tp;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = n ? tp / n : 0;
    byClass[e] = {
      n,
      precision: r4(precision),
      recall: r4(recall),
      f1: r4(tp ? (2 * tp) / (2 * tp + fp + fn) : 0),
    };
  }
  // Macro-F1 over the classes present in this set, so a source without Sad is not penalised for it.
  const present = EMOTIONS5.filter((e) => byClass[e].n > 0);
  const macro = present.length ? present.reduce((s, e) => s + byClass[e].f1, 0) / present.length : 0;
  const correct = items.filter((s) => s.truth === s.predicted).length;
  return { accuracy: r4(items.length ? correct / items.length : 0), macro_f1: r4(macro), byClass };
}

/**
 * Accuracy, macro-F1 (over classes present), per-class precision/recall/F1, per source, and the
 * confusion matrix. A row with no face counts as wrong (the product answers no_face for it).
 */
export function evaluate(items: Scored[]): EvalReport {
  const all = scoreSet(items);
  const groupBy = (key: (s: Scored) => string): EvalReport['by_source'] => {
    const out: EvalReport['by_source'] = {};
    for (const value of [...new Set(items.map(key))].sort()) {
      const subset = items.filter((s) => key(s) === value);
      const sc = scoreSet(subset);
      out[value] = {
        accuracy: sc.accuracy,
        macro_f1: sc.macro_f1,
        n: subset.length,
        no_face: subset.filter((s) => s.predicted === null && !s.error).length,
        ece: r4(expectedCalibrationError(subset)),
      };
    }
    return out;
  };
  const by_source = groupBy((s) => s.source);
  const by_kind = groupBy((s) => s.kind ?? 'video');
  const confusion = {} as EvalReport['confusion'];
  for (const t of EMOTIONS5) {
    confusion[t] = Object.fromEntries([...EMOTIONS5, 'no_face'].map((p) => [p, 0])) as Record<
      Emotion5 | 'no_face',
      number
    >;
  }
  for (const s of items) confusion[s.truth][s.predicted ?? 'no_face']++;
  return {
    overall: {
      accuracy: all.accuracy,
      macro_f1: all.macro_f1,
      n: items.length,
      no_face: items.filter((s) => s.predicted === null && !s.error).length,
      errors: items.filter((s) => s.error).length,
      ece: r4(expectedCalibrationError(items)),
    },
    by_source,
    by_kind,
    by_class: all.byClass,
    confusion,
    coverage: accuracyCoverage(items),
    reliability: reliabilityBins(items).map((b) => ({
      ...b,
      accuracy: r4(b.accuracy),
      confidence: r4(b.confidence),
    })),
  };
}

/** The report as plain-text tables for a terminal. */
export function formatReport(report: EvalReport): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const lines: string[] = [];
  const o = report.overall;
  lines.push(
    `overall: accuracy ${pct(o.accuracy)}  macro-F1 ${o.macro_f1.toFixed(3)}  n=${o.n}  no_face=${o.no_face}  errors=${o.errors}  ECE=${o.ece.toFixed(3)}`,
  );
  lines.push('', 'kind                   n  accuracy  macro-F1  no_face    ECE');
  for (const [k, v] of Object.entries(report.by_kind)) {
    lines.push(
      `${k.padEnd(20)} ${String(v.n).padStart(4)}  ${pct(v.accuracy).padStart(8)}  ${v.macro_f1.toFixed(3).padStart(8)}  ${String(v.no_face).padStart(7)}  ${v.ece.toFixed(3)}`,
    );
  }
  lines.push('', 'source                 n  accuracy  macro-F1  no_face');
  for (const [s, v] of Object.entries(report.by_source)) {
    lines.push(
      `${s.padEnd(20)} ${String(v.n).padStart(4)}  ${pct(v.accuracy).padStart(8)}  ${v.macro_f1.toFixed(3).padStart(8)}  ${String(v.no_face).padStart(7)}`,
    );
  }
  lines.push('', 'class        n  precision  recall     F1');
  for (const e of EMOTIONS5) {
    const c = report.by_class[e];
    lines.push(
      `${e.padEnd(9)} ${String(c.n).padStart(4)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}  ${c.f1.toFixed(3)}`,
    );
  }
  const cols = [...EMOTIONS5, 'no_face'] as const;
  lines.push('', `true \\ pred ${cols.map((c) => c.padStart(8)).join('')}`);
  for (const t of EMOTIONS5)
    lines.push(`${t.padEnd(11)} ${cols.map((c) => String(report.confusion[t][c]).padStart(8)).join('')}`);
  lines.push('', 'abstain below   answered  accuracy');
  for (const c of report.coverage)
    lines.push(
      `${c.threshold.toFixed(2).padStart(13)}   ${pct(c.answered).padStart(8)}  ${pct(c.accuracy).padStart(8)}`,
    );
  return lines.join('\n');
}

export function isLabelled(row: LabelRow): row is LabelRow & { class5: Emotion5 } {
  return (EMOTIONS5 as readonly string[]).includes(row.class5);
}
