import '../../src/polyfills.js';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCalibrateCommand } from '../../src/cli/calibrate.command.js';
import { registerEvalCommand } from '../../src/cli/eval.command.js';
import { validateCalibration } from '../../src/vision/calibration.js';
import { makePhoneCorpus } from '../helpers/phone-clips.js';
import { workerPids } from '../robustness/support.js';

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** Run a command of a tiny program as the lead's main.ts would, capturing stdout. */
async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerEvalCommand(program);
  registerCalibrateCommand(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'emothumb', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('eval and calibrate commands', () => {
  let dir: string;
  let labels: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vision-cli-'));
    labels = join(dir, 'labels.csv');
    // Sample photos shipped with @vladmandic/face-api; labels here only exercise the plumbing.
    const rows = ['path,source,original_label,class5,kind,subject_id'];
    const classes = ['Neutral', 'Sad', 'Happy', 'Happy', 'Anger', 'Happy'];
    for (let copy = 0; copy < 2; copy++) {
      classes.forEach((c, i) =>
        rows.push(
          // The second copy spells the classes in lower case, as hand-made files do.
          `sample${i + 1}.jpg,${copy ? 'demo_b' : 'demo_a'},${c.toLowerCase()},${copy ? c.toLowerCase() : c},image,p${i}_${copy}`,
        ),
      );
    }
    rows.push('sample1.jpg,demo_a,fear,,image,p9'); // unlabelled: skipped
    rows.push('missing.jpg,demo_a,happy,Happy,image,p10'); // unreadable: counted as an error, not a crash
    await writeFile(labels, `${rows.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('eval --json prints one JSON object with overall, by_source, by_class and confusion', async () => {
    const out = await run(['eval', '--labels', labels, '--root', root, '--json']);
    const report = JSON.parse(out) as {
      overall: { accuracy: number; macro_f1: number; n: number; errors: number; ece: number };
      coverage: { threshold: number; answered: number; accuracy: number }[];
      reliability: { n: number; accuracy: number; confidence: number }[];
      items: { path: string; confidence: number | null }[];
      skipped: number;
      by_source: Record<string, { n: number }>;
      by_class: Record<string, { n: number }>;
      confusion: Record<string, Record<string, number>>;
    };
    // Lower-case class names count; the row with an empty class5 is skipped, and counted.
    expect(report.overall.n).toBe(13);
    expect(report.skipped).toBe(1);
    expect(report.overall.errors).toBe(1);
    // Accuracy is the confusion matrix's diagonal over every row (the unreadable one counts as wrong).
    const correct = Object.keys(report.confusion).reduce((sum, c) => sum + report.confusion[c][c], 0);
    expect(correct).toBeGreaterThanOrEqual(4);
    expect(report.overall.accuracy).toBeCloseTo(correct / 13, 4);
    expect(Object.keys(report.by_source).sort()).toEqual(['demo_a', 'demo_b']);
    expect(report.by_class.Happy.n).toBe(7);
    expect(report.confusion.Happy).toHaveProperty('no_face');
    expect(report.coverage[0]).toMatchObject({ threshold: 0, answered: 1 });
    expect(report.reliability).toHaveLength(10);
    // Every answered row (a face, a confidence) is in one bin, and the ECE is the bins' weighted gap.
    const answered = report.items.filter((i) => i.confidence !== null).length;
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(report.reliability.reduce((sum, b) => sum + b.n, 0)).toBe(answered);
    const ece = report.reliability.reduce(
      (sum, b) => sum + (b.n / answered) * Math.abs(b.accuracy - b.confidence),
      0,
    );
    expect(report.overall.ece).toBeCloseTo(ece, 3);
    expect(report.overall.ece).toBeGreaterThan(0);
    expect(report.overall.ece).toBeLessThan(1);
    expect(report.items.find((i) => i.path === 'sample1.jpg')?.confidence).toBeGreaterThan(0.2);
    // the smiling samples come out Happy
    expect(report.confusion.Happy.Happy).toBeGreaterThanOrEqual(4);
  });

  it('eval survives a worker that dies under one file: that row is an error naming the signal, the rest are scored', async () => {
    // A clip with a sound track too (phone material), which used to take the whole evaluation down.
    const corpus = await makePhoneCorpus();
    const crashLabels = join(dir, 'crash-labels.csv');
    const csv = [
      'path,source,original_label,class5,kind,subject_id',
      `${corpus.get('android-h264-aac')},phone,happy,Happy,video,p1`,
      'sample2.jpg,demo_a,sad,Sad,image,p2',
      `${corpus.get('iphone-hevc')},phone,happy,Happy,video,p3`,
    ];
    await writeFile(crashLabels, `${csv.join('\n')}\n`);
    // Kill the evaluation's worker as soon as it exists: it dies under the first row, as a native crash would.
    let killed = 0;
    const watcher = setInterval(() => {
      if (killed) return;
      const [pid] = workerPids(process.pid, 'row.worker.');
      if (pid) {
        process.kill(pid, 'SIGSEGV');
        killed = pid;
      }
    }, 5);
    let out: string;
    try {
      out = await run(['eval', '--labels', crashLabels, '--root', root, '--json']);
    } finally {
      clearInterval(watcher);
    }
    expect(killed).toBeGreaterThan(0);
    const report = JSON.parse(out) as {
      overall: { n: number; errors: number };
      confusion: Record<string, Record<string, number>>;
      errors: { path: string; error: string }[];
    };
    expect(report.overall.n).toBe(3);
    expect(report.overall.errors).toBe(1);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].path).toBe(corpus.get('android-h264-aac'));
    expect(report.errors[0].error).toMatch(/crashed \(SIGSEGV\)/);
    // The clip after the crash, with its sound track, is scored in a fresh worker.
    expect(report.confusion.Happy.Happy).toBe(1);
  });

  it('eval --limit prints tables, the per-kind ECE and the accuracy-coverage curve; --plot writes a PNG', async () => {
    const plot = join(dir, 'eval.png');
    const out = await run(['eval', '--labels', labels, '--root', root, '--limit', '2', '--plot', plot]);
    expect(out).toContain('overall: accuracy');
    expect(out).toContain('true \\ pred');
    expect(out).toContain('abstain below');
    expect(out).toMatch(/^2 rows in [\d.]+ s; 1 row\(s\) skipped: empty class5/m);
    const png = await readFile(plot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width
    expect(png.length).toBeGreaterThan(5_000);
  });

  it('eval refuses a class5 that is not one of the five, naming its line and value, before any work', async () => {
    const bad = join(dir, 'bad-class.csv');
    await writeFile(
      bad,
      'path,source,original_label,class5,kind,subject_id\nsample1.jpg,a,x,HAPPY,image,p1\n\nsample2.jpg,a,x,Fear,image,p2\n',
    );
    await expect(run(['eval', '--labels', bad, '--root', root])).rejects.toThrow(
      /line 4: class5 "Fear" is not one of Anger, Happy, Shock, Neutral, Sad/,
    );
  });

  it('the emothumb command answers a bad header with one line naming the expected columns, no stack trace, exit 2', async () => {
    const bad = join(dir, 'bad-header.csv');
    await writeFile(bad, 'file,label\nsample1.jpg,Happy\n');
    // The built command, as `npm run eval` runs it (npm test builds first).
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'eval', '--labels', bad, '--root', root], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: ${bad}: the header (line 1) must name the columns path,source,original_label,class5,kind,subject_id (path and class5 at least); it has file,label, without path and class5.\n`,
    );
  });

  it('calibrate writes a calibration that loads, with held-out-person scores', async () => {
    const file = join(dir, 'calibration.json');
    const out = await run(['calibrate', '--labels', labels, '--root', root, '--out', file, '--folds', '2']);
    expect(out).toContain('held-out people');
    expect(out).toContain('confidence scaling (nested CV)');
    const cal = validateCalibration(JSON.parse(await readFile(file, 'utf8')));
    expect(cal.weights).toHaveLength(5);
    expect(cal.fitted?.rows).toBe(12);
    // The answer scaling is fitted with it (images here; clips borrow it with too few of their own).
    expect(cal.scaling?.image?.temperature).toBeGreaterThan(0);
    expect(cal.scaling?.video).toEqual(cal.scaling?.image);
    expect(typeof cal.fitted?.held_out_people_ece).toBe('number');
  });
});
