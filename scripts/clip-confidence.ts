/**
 * Clip confidence experiments (issue 18 part 4; src/vision/README.md, "Issue 18, part 4").
 * Loads the cached features of labelled rows (`eval --cache`, extracted as `calibrate` does),
 * fits the clip layer and the clip answer scaling on people held out of each fold (5 folds by
 * subject_id, the scaling nested), and reports accuracy and ECE on the development clips and on
 * the extra clips (re-encodes, crops, speeds, windows) apart.
 *
 * The extra clips come from scripts/clip-variants.sh (same people, `_aug` sources).
 *
 *   npx tsx scripts/clip-confidence.ts extract --labels a.csv [--labels b.csv] --cache /tmp/feat
 *     extracts (or finds cached) the features of every labelled row
 *   npx tsx scripts/clip-confidence.ts run --labels dev.csv --labels extra.csv --cache /tmp/feat
 *     [--set main|recipe|pool] [--layer <name> ...] [--variant <name> ...] [--salt x]
 *     [--report '<layer>|<variant>']
 *     one line per clip layer x answer scaling: accuracy, ECE, mean confidence and the ECE a
 *     perfectly calibrated answerer with the same confidences would score on as many clips
 *     ("cal. ECE", the noise floor), for the development clips (also MEAD+RAVDESS and StyleTalk
 *     apart) and the extra clips; --salt: another partition of the people into folds;
 *     --report: per-clip answers, per class, confusion and reliability of one line.
 */
import { loadCalibration, identityCalibration, type Calibration } from '../src/vision/calibration.js';
import { foldOf, rowVector } from '../src/evaluation/calibration-fit.js';
import { applyScaling, fitScaling, type AnswerScaling } from '../src/vision/confidence.js';
import { argmax, EMOTIONS5, softmax } from '../src/vision/emotions.js';
import {
  evaluate,
  expectedCalibrationError,
  formatReport,
  reliabilityBins,
  type Scored,
} from '../src/vision/evaluation.js';
import { fitLogistic } from '../src/vision/fit-layer.js';
import { GEOMETRY_FEATURES } from '../src/vision/geometry.js';
import { frameAgreement } from '../src/vision/pooling.js';
import type { ClipPrediction } from '../src/vision/prediction.js';
import { isLabelled, parseLabels } from '../src/vision/evaluation.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { analyzeLabelledRows, poolRow, resolveEvalModels } from '../src/evaluation/labelled-rows.js';

/** The options after the command (`extract` or `run`), by name; every one may repeat. */
function argsOf(argv: string[]): Map<string, string[]> {
  const many = { type: 'string', multiple: true } as const;
  const { values } = parseArgs({
    args: argv,
    options: { labels: many, cache: many, salt: many, set: many, layer: many, variant: many, report: many },
  });
  return new Map(Object.entries(values).map(([k, v]) => [k, v ?? []]));
}

export async function loadRows(labels: string[], cache: string) {
  const current = await loadCalibration();
  const extraction = {
    ...identityCalibration(),
    expressionMargin: current.expressionMargin,
    faceApiMargin: current.faceApiMargin,
    flipAverage: current.flipAverage ?? false,
    faceApiFlip: current.faceApiFlip ?? current.flipAverage ?? false,
    stillFlip: current.stillFlip ?? false,
    refineMesh: current.refineMesh ?? true,
  };
  const alignedModelPath = await resolveEvalModels();
  const rows = labels.flatMap((l) => parseLabels(readFileSync(l, 'utf8')));
  return analyzeLabelledRows(rows.filter(isLabelled), '/', extraction, {
    cacheDir: cache,
    onProgress: (d, t) => {
      if (d % 20 === 0 || d === t) process.stderr.write(`extract ${d}/${t} ${new Date().toISOString()}\n`);
    },
    alignedModelPath,
  });
}

if (process.argv[2] === 'extract') {
  const opts = argsOf(process.argv.slice(3));
  const rows = await loadRows(opts.get('labels') ?? [], opts.get('cache')![0]);
  process.stdout.write(`${rows.length} rows, ${rows.filter((r) => r.error).length} errors\n`);
}

// ---------------------------------------------------------------------------------------------
// Experiments.

type Row = Awaited<ReturnType<typeof loadRows>>[number];
interface Answer {
  r: Row;
  /** Pooled probabilities before any answer scaling (null: no face). */
  probs: number[] | null;
  /** Clip-level features (see clipFeatures). */
  z: number[];
  fold: number;
}

const FOLDS = 5;
const isClip = (r: Row): boolean => r.frames.length > 1;
const isAug = (r: Row): boolean => r.row.source.endsWith('_aug');
const label = (r: Row): number => EMOTIONS5.indexOf(r.row.class5);
/** `--salt x`: another partition of the same people into folds. */
let SALT = '';
const foldOfRow = (r: Row): number => foldOf(SALT + (r.row.subject_id || r.row.path), FOLDS);
const MOUTH = GEOMETRY_FEATURES.indexOf('mouth_open');

function std(v: number[]): number {
  if (v.length < 2) return 0;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
}

/** Clip-level features: entropy, log margin, frame agreement, faced share, mouth movement, frame spread. */
export function clipFeatures(r: Row, pooled: ClipPrediction): number[] {
  const p = EMOTIONS5.map((e) => pooled.probabilities[e]);
  const sorted = [...p].sort((a, b) => b - a);
  const entropy = -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0) / Math.log(5);
  const margin = Math.log(sorted[0] + 1e-6) - Math.log(sorted[1] + 1e-6);
  const framesP = pooled.timeline.flatMap((t) =>
    t.probabilities ? [EMOTIONS5.map((e) => t.probabilities![e])] : [],
  );
  const agreement = frameAgreement(framesP, argmax(p));
  const faced = pooled.frames_with_face / pooled.frames_analyzed;
  const mouth = std(r.frames.flatMap((f) => (f ? [f.geometry[MOUTH]] : [])));
  const spread =
    framesP.reduce((s, q) => s + q.reduce((a, v, k) => a + Math.abs(v - p[k]), 0) / 2, 0) /
    Math.max(1, framesP.length);
  return [entropy, margin, agreement, faced, mouth, spread];
}
export const CLIP_FEATURE_NAMES = ['entropy', 'margin', 'agreement', 'faced', 'mouth_std', 'spread'];

interface LayerConfig {
  name: string;
  /** Train the clip layer on the extra clips too (only those whose path matches `augPattern`, when set). */
  trainAug: boolean;
  augPattern?: RegExp;
  beta: number;
  mouthQuantile: number | undefined;
}

function fitLayer(train: Row[], cfg: LayerConfig): Pick<Calibration, 'weights' | 'bias' | 'mean' | 'std'> {
  const data = train
    .filter((r) => !isAug(r) || (cfg.trainAug && (!cfg.augPattern || cfg.augPattern.test(r.row.path))))
    .map((r) => ({ r, x: rowVector(r, cfg.mouthQuantile, {}) }))
    .filter((d): d is { r: Row; x: number[] } => d.x !== null && !d.r.error);
  return fitLogistic(
    data.map((d) => d.x),
    data.map((d) => label(d.r)),
    { l2: 0.01 },
  );
}

function answersOf(rows: Row[], base: Calibration, layer: Partial<Calibration>, fold: number): Answer[] {
  return rows.map((r) => {
    const pooled = r.error ? null : poolRow(r, { ...base, ...layer, scaling: undefined } as Calibration);
    return {
      r,
      fold,
      probs: pooled ? EMOTIONS5.map((e) => pooled.probabilities[e]) : null,
      z: pooled ? clipFeatures(r, pooled) : [],
    };
  });
}

/** Outer answers (every clip by a layer fitted without its fold) and the nested ones per outer fold. */
function crossAnswers(rows: Row[], base: Calibration, cfg: LayerConfig) {
  const clips = rows.filter(isClip);
  const outer: Answer[] = [];
  const nested = new Map<number, Answer[]>();
  for (let k = 0; k < FOLDS; k++) {
    const layer = fitLayer(
      rows.filter((r) => foldOfRow(r) !== k),
      cfg,
    );
    outer.push(
      ...answersOf(
        clips.filter((r) => foldOfRow(r) === k),
        base,
        layer,
        k,
      ),
    );
    const inner: Answer[] = [];
    for (let j = 0; j < FOLDS; j++) {
      if (j === k) continue;
      const l = fitLayer(
        rows.filter((r) => foldOfRow(r) !== k && foldOfRow(r) !== j),
        cfg,
      );
      inner.push(
        ...answersOf(
          clips.filter((r) => foldOfRow(r) === j),
          base,
          l,
          j,
        ),
      );
    }
    nested.set(k, inner);
  }
  return { outer, nested };
}

// A clip scaling: log p x u(z) + b, u = exp(a0 + a . zs), then (1 - lambda) p + lambda prior.
interface ScalingVariant {
  name: string;
  features: number[]; // indices into clipFeatures
  bias: boolean;
  shrink: boolean;
  /** Fit on the extra clips' answers too. */
  fitAug: boolean;
  /** Plain temperature via confidence.ts fitScaling (the committed method). */
  legacy?: boolean;
}

interface FittedScaling {
  theta: number[];
  zMean: number[];
  zStd: number[];
  prior: number[];
  v: ScalingVariant;
  legacy?: AnswerScaling;
}

function applyVariant(s: FittedScaling | null, a: Answer & { probs: number[] }): number[] {
  if (!s) return a.probs;
  if (s.legacy) return applyScaling(a.probs, s.legacy);
  const { theta, v } = s;
  const m = v.features.length;
  let e = theta[0];
  v.features.forEach((fi, j) => (e += theta[1 + j] * ((a.z[fi] - s.zMean[j]) / s.zStd[j])));
  const u = Math.exp(e);
  const logits = a.probs.map((p, k) => Math.log(p + 1e-6) * u + (v.bias ? theta[1 + m + k] : 0));
  let q = softmax(logits);
  if (v.shrink) {
    const lam = 1 / (1 + Math.exp(-theta[1 + m + 5]));
    q = q.map((x, k) => (1 - lam) * x + lam * s.prior[k]);
  }
  return q;
}

function fitVariant(answers: Answer[], v: ScalingVariant): FittedScaling | null {
  const given = answers.filter(
    (a): a is Answer & { probs: number[] } => a.probs !== null && (v.fitAug || !isAug(a.r)),
  );
  if (given.length < 10) return null;
  const ys = given.map((a) => label(a.r));
  if (v.legacy)
    return {
      theta: [],
      zMean: [],
      zStd: [],
      prior: [],
      v,
      legacy: fitScaling(
        given.map((a) => a.probs),
        ys,
        { bias: v.bias },
      ),
    };
  const m = v.features.length;
  const zMean = v.features.map((fi) => given.reduce((s, a) => s + a.z[fi], 0) / given.length);
  const zStd = v.features.map((fi) => std(given.map((a) => a.z[fi])) || 1);

  const prior = EMOTIONS5.map((_, k) => (ys.filter((y) => y === k).length + 1) / (ys.length + 5));
  const theta = new Array<number>(1 + m + 5 + 1).fill(0);
  theta[1 + m + 5] = -3;
  const s: FittedScaling = { theta, zMean, zStd, prior, v };
  const loss = (): number => {
    let nll = 0;
    given.forEach((a, i) => (nll -= Math.log(applyVariant(s, a)[ys[i]] + 1e-9)));
    let reg = 0;
    for (let j = 1; j <= m; j++) reg += 0.05 * theta[j] ** 2;
    for (let k = 0; k < 5; k++) reg += 0.01 * theta[1 + m + k] ** 2;
    return nll / given.length + reg;
  };
  const active = theta.map((_, j) => j <= m || (v.bias && j <= m + 5 && j > m) || (v.shrink && j === m + 6));
  const mom = theta.map(() => 0);
  const vel = theta.map(() => 0);
  const lr = 0.03;
  for (let it = 1; it <= 400; it++) {
    const grad = theta.map((_, j) => {
      if (!active[j]) return 0;
      const h = 1e-4;
      const old = theta[j];
      theta[j] = old + h;
      const up = loss();
      theta[j] = old - h;
      const down = loss();
      theta[j] = old;
      return (up - down) / (2 * h);
    });
    for (let j = 0; j < theta.length; j++) {
      mom[j] = 0.9 * mom[j] + 0.1 * grad[j];
      vel[j] = 0.999 * vel[j] + 0.001 * grad[j] ** 2;
      theta[j] -= (lr * (mom[j] / (1 - 0.9 ** it))) / (Math.sqrt(vel[j] / (1 - 0.999 ** it)) + 1e-8);
    }
  }
  return s;
}

function scored(a: Answer, probs: number[] | null): Scored {
  const k = probs ? argmax(probs) : -1;
  return {
    source: a.r.row.source,
    truth: a.r.row.class5,
    predicted: probs ? EMOTIONS5[k] : null,
    error: a.r.error !== undefined,
    kind: 'video',
    confidence: probs ? probs[k] : undefined,
  };
}

/** The 10-bin ECE a perfectly calibrated answerer with these confidences would score (mean of draws). */
function calibratedEce(items: Scored[], draws = 500): number {
  let rnd = 12345;
  const next = (): number => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let total = 0;
  for (let d = 0; d < draws; d++) {
    const sim = items.map((s) => ({
      ...s,
      predicted: s.truth,
      truth: s.confidence !== undefined && next() < s.confidence ? s.truth : '_',
    }));
    total += expectedCalibrationError(sim as Scored[]);
  }
  return total / draws;
}

function summary(items: Scored[]): string {
  const ans = items.filter((s) => s.predicted !== null);
  const acc = items.filter((s) => s.predicted === s.truth).length / Math.max(1, items.length);
  const meanConf = ans.reduce((t, s) => t + (s.confidence ?? 0), 0) / Math.max(1, ans.length);
  return `${(100 * acc).toFixed(1)}% (n=${items.length}) ECE ${expectedCalibrationError(items).toFixed(3)} conf ${meanConf.toFixed(2)}`;
}

export function runVariants(
  rows: Row[],
  base: Calibration,
  layers: LayerConfig[],
  variants: ScalingVariant[],
) {
  const results: {
    layer: string;
    variant: string;
    dev: Scored[];
    aug: Scored[];
    devPaths: string[];
    augPaths: string[];
    noFace: string[];
  }[] = [];
  for (const cfg of layers) {
    const { outer, nested } = crossAnswers(
      rows,
      { ...base, poolingBeta: cfg.beta, mouthQuantile: cfg.mouthQuantile },
      cfg,
    );
    for (const v of variants) {
      const fits = new Map<number, FittedScaling | null>();
      for (let k = 0; k < FOLDS; k++) fits.set(k, v.name === 'none' ? null : fitVariant(nested.get(k)!, v));
      const all = outer.map((a) => ({
        a,
        s: scored(a, a.probs ? applyVariant(fits.get(a.fold)!, a as Answer & { probs: number[] }) : null),
      }));
      const dev = all.filter((x) => !isAug(x.a.r)).map((x) => x.s);
      const aug = all.filter((x) => isAug(x.a.r)).map((x) => x.s);
      results.push({
        layer: cfg.name,
        variant: v.name,
        dev,
        aug,
        devPaths: all.filter((x) => !isAug(x.a.r)).map((x) => x.a.r.row.path),
        augPaths: all.filter((x) => isAug(x.a.r)).map((x) => x.a.r.row.path),
        noFace: all.filter((x) => x.s.predicted === null).map((x) => x.a.r.row.path),
      });
      const mead = dev.filter((s) => !s.source.startsWith('styletalk'));
      const st = dev.filter((s) => s.source.startsWith('styletalk'));
      process.stdout.write(
        `${cfg.name.padEnd(22)} ${v.name.padEnd(28)} dev ${summary(dev)} [cal. ECE ${calibratedEce(dev).toFixed(3)}] | MEAD+RAV ${summary(mead)} | ST ${summary(st)} | extra ${summary(aug)}\n`,
      );
    }
  }
  return results;
}

if (process.argv[2] === 'run') {
  const opts = argsOf(process.argv.slice(3));
  SALT = opts.get('salt')?.[0] ?? '';
  const rows = (await loadRows(opts.get('labels') ?? [], opts.get('cache')![0])).filter((r) => !r.error);
  const current = await loadCalibration();
  const base: Calibration = { ...current, aligned: undefined, scaling: undefined };
  const mq = current.mouthQuantile;
  const which = opts.get('set')?.[0] ?? 'main';
  const T = (fitAug: boolean): ScalingVariant[] => [
    {
      name: `T${fitAug ? ' (fit +extra)' : ''}`,
      features: [],
      bias: false,
      shrink: false,
      fitAug,
      legacy: true,
    },
    {
      name: `T+bias${fitAug ? ' (fit +extra)' : ''}`,
      features: [],
      bias: true,
      shrink: false,
      fitAug,
      legacy: true,
    },
    { name: `T+shrink${fitAug ? ' (fit +extra)' : ''}`, features: [], bias: false, shrink: true, fitAug },
    {
      name: `T(feat)${fitAug ? ' (fit +extra)' : ''}`,
      features: [0, 1, 2, 3, 4, 5],
      bias: false,
      shrink: false,
      fitAug,
    },
    {
      name: `T(feat)+shrink${fitAug ? ' (fit +extra)' : ''}`,
      features: [0, 1, 2, 3, 4, 5],
      bias: false,
      shrink: true,
      fitAug,
    },
  ];
  const none: ScalingVariant = { name: 'none', features: [], bias: false, shrink: false, fitAug: false };
  const L = (name: string, trainAug: boolean, beta: number, augPattern?: RegExp): LayerConfig => ({
    name,
    trainAug,
    beta,
    mouthQuantile: mq,
    ...(augPattern ? { augPattern } : {}),
  });
  const sets: Record<string, LayerConfig[]> = {
    main: [L('dev layer, beta 4', false, 4), L('dev+extra layer, beta 4', true, 4)],
    recipe: [
      L('dev+phone3 layer, beta 4', true, 4, /__(h264_1080|hevc_720|vp9_480)\./),
      L('dev+reencodes layer, beta 4', true, 4, /__(h264|hevc|vp9|vp8|3gp)/),
      L('dev+windows layer, beta 4', true, 4, /__(win|crop|slow|fast|vfr)/),
    ],
    pool: [0, 2, 8].map((b) => L(`dev+extra layer, beta ${b}`, true, b)),
  };
  const layerNames = opts.get('layer');
  const layers = Object.values(sets)
    .flat()
    .filter((l) => (layerNames ? layerNames.includes(l.name) : sets[which].includes(l)));
  const only = opts.get('variant');
  const variants = [none, ...T(false), ...T(true)].filter((v) => !only || only.includes(v.name));
  const results = runVariants(rows, base, layers, variants);
  for (const want of opts.get('report') ?? []) {
    const [l, v] = want.split('|');
    const hit = results.find((r) => r.layer === l && r.variant === v);
    if (!hit) continue;
    hit.dev.forEach((d, i) =>
      process.stdout.write(
        `${hit.devPaths[i].split('/').pop()} ${d.truth} -> ${d.predicted} ${d.confidence?.toFixed(2)}\n`,
      ),
    );
    const byVariant = new Map<string, Scored[]>();
    hit.aug.forEach((d, i) => {
      const v = (hit.augPaths[i].split('__')[1] ?? '').replace(/\..*$/, '').replace(/^win.*/, 'windows');
      byVariant.set(v, [...(byVariant.get(v) ?? []), d]);
    });
    for (const [v, items] of byVariant) process.stdout.write(`extra ${v}: ${summary(items)}\n`);
    for (const [name, items] of [
      ['development clips', hit.dev],
      ['extra clips', hit.aug],
    ] as const) {
      process.stdout.write(
        `\n== ${l} | ${v}: ${name}\n${formatReport(evaluate(items))}\nreliability (lo-hi: n / accuracy / mean confidence):\n`,
      );
      for (const b of reliabilityBins(items).filter((b) => b.n > 0))
        process.stdout.write(
          `  ${b.lo.toFixed(1)}-${b.hi.toFixed(1)}: ${b.n} / ${b.accuracy.toFixed(2)} / ${b.confidence.toFixed(2)}\n`,
        );
    }
  }
}
