import { describe, expect, it } from 'vitest';
import {
  evaluate,
  formatReport,
  isLabelled,
  LabelsFileError,
  parseLabels,
} from '../../src/vision/evaluation.js';

const HEADER = 'path,source,original_label,class5,kind,subject_id';

/** The error parseLabels throws for `csv`. */
function refusal(csv: string): LabelsFileError {
  try {
    parseLabels(csv, 'labels.csv');
  } catch (err) {
    expect(err).toBeInstanceOf(LabelsFileError);
    return err as LabelsFileError;
  }
  throw new Error('expected a LabelsFileError');
}

describe('labels file', () => {
  it('parses the evaldata format, with quoted cells, and flags unlabelled rows', () => {
    const rows = parseLabels(
      'path,source,original_label,class5,kind,subject_id\n' +
        'a/x.mp4,mead,angry (level3),Anger,video,M1\n' +
        'b/y.jpg,tcce,"fear, posed",,image,T2\n',
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      path: 'a/x.mp4',
      source: 'mead',
      original_label: 'angry (level3)',
      class5: 'Anger',
      kind: 'video',
      subject_id: 'M1',
    });
    expect(rows[1].original_label).toBe('fear, posed');
    expect(rows.filter(isLabelled).map((r) => r.path)).toEqual(['a/x.mp4']);
  });

  it('refuses a file without the needed columns', () => {
    expect(() => parseLabels('file,label\nx,Happy\n')).toThrow(/path/);
  });

  it('matches class names in any case, giving them their canonical spelling', () => {
    const rows = parseLabels(
      `${HEADER}\na.jpg,s,x,happy,image,p\nb.jpg,s,x, SAD ,image,p\nc.jpg,s,x,sHoCk,image,p\n`,
    );
    expect(rows.map((r) => r.class5)).toEqual(['Happy', 'Sad', 'Shock']);
    expect(rows.every(isLabelled)).toBe(true);
  });

  it('keeps a row with an empty class5 (left out on purpose) for the caller to skip', () => {
    const rows = parseLabels(`${HEADER}\na.jpg,s,contempt,,image,p\nb.jpg,s,x,Anger,image,p\n`);
    expect(rows.map((r) => r.class5)).toEqual(['', 'Anger']);
    expect(rows.filter(isLabelled)).toHaveLength(1);
  });

  it('refuses any other class5, naming each such row by its line in the file and its value', () => {
    const err = refusal(
      `${HEADER}\na.jpg,s,x,Happy,image,p\n\nb.jpg,s,x,Fear,image,p\nc.jpg,s,x,happy!,image,p\n`,
    );
    expect(err.message).toBe(
      [
        'labels.csv: 2 row(s) cannot be used:',
        '  line 4: class5 "Fear" is not one of Anger, Happy, Shock, Neutral, Sad (any case), nor empty (a row left out on purpose)',
        '  line 5: class5 "happy!" is not one of Anger, Happy, Shock, Neutral, Sad (any case), nor empty (a row left out on purpose)',
      ].join('\n'),
    );
  });

  it('refuses a row cut short before its class5 cell, and a labelled row without a path', () => {
    expect(refusal(`${HEADER}\na.jpg,s\n`).message).toMatch(
      /line 2: no class5 cell \(2 cells; the header has 6\)/,
    );
    expect(refusal(`${HEADER}\n,s,x,Sad,image,p\n`).message).toMatch(/line 2: a Sad row without a path/);
  });

  it('lists at most 20 bad rows and counts the rest', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `f${i}.jpg,s,x,Joy,image,p`);
    const message = refusal(`${HEADER}\n${rows.join('\n')}\n`).message;
    expect(message.split('\n')).toHaveLength(22);
    expect(message).toMatch(/\.\.\. and 5 more$/);
  });

  it('says what a bad header lacks in one line naming the expected columns', () => {
    const message = refusal('file,source,label\nx.jpg,a,Happy\n').message;
    expect(message).toBe(
      'labels.csv: the header (line 1) must name the columns path,source,original_label,class5,kind,subject_id (path and class5 at least); it has file,source,label, without path and class5.',
    );
    expect(message).not.toContain('\n');
    // A byte-order mark (spreadsheet exports) is not part of the first column's name.
    expect(parseLabels(`\uFEFF${HEADER}\na.jpg,s,x,Happy,image,p\n`)).toHaveLength(1);
  });
});

describe('evaluate', () => {
  it('computes accuracy, macro-F1 over present classes, per source and the confusion matrix', () => {
    const report = evaluate([
      { source: 'a', truth: 'Happy', predicted: 'Happy' },
      { source: 'a', truth: 'Happy', predicted: 'Sad' },
      { source: 'a', truth: 'Sad', predicted: 'Sad' },
      { source: 'b', truth: 'Anger', predicted: null },
    ]);
    expect(report.overall).toEqual({
      accuracy: 0.5,
      macro_f1: expect.any(Number) as number,
      n: 4,
      no_face: 1,
      errors: 0,
      ece: 0, // no row carries a confidence
    });
    // Happy: P 1, R 0.5, F1 0.6667; Sad: P 0.5, R 1, F1 0.6667; Anger: F1 0
    expect(report.overall.macro_f1).toBeCloseTo((2 / 3 + 2 / 3 + 0) / 3, 3);
    expect(report.by_class.Happy).toEqual({ n: 2, precision: 1, recall: 0.5, f1: 0.6667 });
    expect(report.by_source.a).toEqual({ accuracy: 0.6667, macro_f1: 0.6667, n: 3, no_face: 0, ece: 0 });
    expect(report.by_source.b.no_face).toBe(1);
    expect(report.confusion.Happy.Sad).toBe(1);
    expect(report.confusion.Anger.no_face).toBe(1);
    expect(formatReport(report)).toContain('macro-F1');
  });
});

describe('calibration error and kinds', () => {
  it('ECE is the bin-weighted gap between accuracy and confidence; videos and images are reported apart', async () => {
    const { evaluate, expectedCalibrationError } = await import('../../src/vision/evaluation.js');
    const row = (truth: 'Happy' | 'Sad', predicted: 'Happy' | 'Sad', confidence: number, kind = 'video') => ({
      source: 's',
      truth,
      predicted,
      confidence,
      kind,
    });
    // Bin 0.9-1.0: 2 rows, both right, mean confidence 0.95 -> gap 0.05; bin 0.5-0.6: 2 rows, one
    // right, mean confidence 0.55 -> gap 0.05. ECE = 0.5 * 0.05 + 0.5 * 0.05 = 0.05.
    const items = [
      row('Happy', 'Happy', 0.9),
      row('Happy', 'Happy', 1.0),
      row('Sad', 'Sad', 0.52, 'image'),
      row('Sad', 'Happy', 0.58, 'image'),
    ];
    expect(expectedCalibrationError(items)).toBeCloseTo(0.05, 10);
    // A perfectly calibrated set has none.
    expect(expectedCalibrationError([row('Happy', 'Happy', 1), row('Sad', 'Sad', 1)])).toBe(0);
    const report = evaluate(items);
    expect(report.overall.ece).toBeCloseTo(0.05, 4);
    expect(report.by_kind.video).toMatchObject({ n: 2, accuracy: 1, ece: 0.05 });
    expect(report.by_kind.image).toMatchObject({ n: 2, accuracy: 0.5, ece: 0.05 });
    // The reliability diagram's bins are the ones the ECE is computed from.
    expect(report.reliability).toHaveLength(10);
    expect(report.reliability[9]).toEqual({ lo: 0.9, hi: 1, n: 2, accuracy: 1, confidence: 0.95 });
    expect(report.reliability[5]).toMatchObject({ n: 2, accuracy: 0.5, confidence: 0.55 });
    expect(report.coverage.find((c) => c.threshold === 0.9)).toEqual({
      threshold: 0.9,
      answered: 0.5,
      accuracy: 1,
    });
    expect(formatReport(report)).toContain('abstain below');
  });
});
