/**
 * How much a person's corrections help the answers on their other items (src/vision/README.md,
 * "Learning from corrections"). Reads per-item answers from `eval --json` and simulates the
 * service: for every person with enough items, each way of choosing `--corrections` items of as
 * many different emotions is fed back as corrections (fitSubjectBias, as POST /feedback does), and
 * the person's other items are scored with and without the learnt bias (adaptPrediction, as the
 * answers are).
 *
 *   npx tsx scripts/subject-gain.ts folds --labels stills.csv --out /tmp/folds
 *     writes train-<k>.csv / test-<k>.csv: calibrate's own 5 person-grouped folds
 *   npx tsx scripts/subject-gain.ts gain --labels stills.csv --eval a.json [--eval b.json ...]
 *     [--l2 1] [--corrections 3] [--min-items 6] [--min-emotions 3] [--json] [--ceiling]
 *     --ceiling: the bias fitted on all of a person's items and scored on them (what a bias
 *     could do at best: an upper bound, not a held-out number)
 *
 * The labels file gives each item's person (`subject_id`); the eval JSON its answer (matched by
 * path). With several people's answers coming from several eval runs (one per fold, each with a
 * calibration fitted without that fold's people), pass every run's JSON.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { foldOf } from '../src/evaluation/calibration-fit.js';
import { parseLabels } from '../src/vision/evaluation.js';
import { EMOTIONS5, argmax, type Emotion5 } from '../src/vision/emotions.js';
import {
  answerLogits,
  fitSubjectBias,
  SUBJECT_BIAS_L2,
  type SubjectExample,
} from '../src/vision/subject-adaptation.js';

function args(argv: string[]): { command: string; opts: Map<string, string[]> } {
  const opts = new Map<string, string[]>();
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    opts.set(key, [...(opts.get(key) ?? []), value]);
  }
  return { command: argv[0] ?? '', opts };
}

const { command, opts } = args(process.argv.slice(2));
const one = (name: string, fallback?: string): string => {
  const v = opts.get(name)?.[0] ?? fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
};

const csvText = readFileSync(one('labels'), 'utf8');
const header = csvText.split(/\r?\n/, 1)[0];
const rows = parseLabels(csvText);

if (command === 'folds') {
  // The same person-grouped folds as `calibrate` (foldOf of subject_id, else of the path).
  const out = one('out');
  const folds = Number(one('folds', '5'));
  mkdirSync(out, { recursive: true });
  const lines = csvText
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '');
  for (let k = 0; k < folds; k++) {
    const inFold = (i: number): boolean => foldOf(rows[i].subject_id || rows[i].path, folds) === k;
    writeFileSync(
      join(out, `train-${k}.csv`),
      [header, ...lines.filter((_, i) => !inFold(i))].join('\n') + '\n',
    );
    writeFileSync(
      join(out, `test-${k}.csv`),
      [header, ...lines.filter((_, i) => inFold(i))].join('\n') + '\n',
    );
  }
  process.stdout.write(`wrote ${folds} train/test pairs to ${out}\n`);
  process.exit(0);
}
if (command !== 'gain') throw new Error('usage: subject-gain.ts folds|gain --labels <csv> ...');

interface EvalItem {
  path: string;
  label: string;
  probabilities: Record<Emotion5, number> | null;
}
const answers = new Map<string, EvalItem>();
for (const file of opts.get('eval') ?? []) {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { items: EvalItem[] };
  for (const item of doc.items) answers.set(item.path, item);
}

const l2 = Number(one('l2', String(SUBJECT_BIAS_L2)));
const nCorrections = Number(one('corrections', '3'));
const minItems = Number(one('min-items', '6'));
const minEmotions = Number(one('min-emotions', String(nCorrections)));
/** Per person, every choice of corrections if there are at most this many, else a seeded sample. */
const MAX_CHOICES = 500;

interface Item {
  logits: number[];
  label: number;
}
const people = new Map<string, Item[]>();
for (const row of rows) {
  const answer = answers.get(row.path);
  const label = EMOTIONS5.indexOf(row.class5 as Emotion5);
  // An item without a face gets no answer, so it can be neither corrected nor improved.
  if (!answer?.probabilities || label < 0 || !row.subject_id) continue;
  const list = people.get(row.subject_id) ?? [];
  list.push({ logits: answerLogits(answer.probabilities), label });
  people.set(row.subject_id, list);
}

/** Every set of `n` item indices with `n` different labels. */
function choices(items: Item[], n: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]): void => {
    if (chosen.length === n) {
      out.push([...chosen]);
      return;
    }
    for (let i = start; i < items.length; i++) {
      if (chosen.some((c) => items[c].label === items[i].label)) continue;
      chosen.push(i);
      pick(i + 1, chosen);
      chosen.pop();
    }
  };
  pick(0, []);
  if (out.length <= MAX_CHOICES) return out;
  // A fixed-seed shuffle (LCG), so reruns print the same numbers.
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.slice(0, MAX_CHOICES);
}

interface PersonGain {
  person: string;
  items: number;
  emotions: number;
  choices: number;
  /** Accuracy on the other items, averaged over the choices of corrections. */
  before: number;
  after: number;
}

const results: PersonGain[] = [];
for (const [person, items] of [...people.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  const emotions = new Set(items.map((i) => i.label)).size;
  if (items.length < minItems || emotions < minEmotions) continue;
  const ceiling = opts.has('ceiling');
  const sets = ceiling ? [items.map((_, i) => i)] : choices(items, nCorrections);
  let before = 0;
  let after = 0;
  for (const set of sets) {
    const examples: SubjectExample[] = set.map((i) => items[i]);
    const bias = fitSubjectBias(examples, { l2 });
    const rest = ceiling ? items : items.filter((_, i) => !set.includes(i));
    before += rest.filter((it) => argmax(it.logits) === it.label).length / rest.length;
    after +=
      rest.filter((it) => argmax(it.logits.map((z, k) => z + bias[k])) === it.label).length / rest.length;
  }
  results.push({
    person,
    items: items.length,
    emotions,
    choices: sets.length,
    before: before / sets.length,
    after: after / sets.length,
  });
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
// Overall: every person's other items weigh as many items as they are.
const weight = (r: PersonGain): number => (opts.has('ceiling') ? r.items : r.items - nCorrections);
const total = results.reduce((s, r) => s + weight(r), 0);
const overall = {
  people: results.length,
  items: total,
  before: results.reduce((s, r) => s + weight(r) * r.before, 0) / total,
  after: results.reduce((s, r) => s + weight(r) * r.after, 0) / total,
  improved: results.filter((r) => r.after > r.before + 1e-9).length,
  worse: results.filter((r) => r.after < r.before - 1e-9).length,
};
if (opts.has('json')) {
  process.stdout.write(`${JSON.stringify({ l2, corrections: nCorrections, overall, people: results })}\n`);
} else {
  const lines = [
    `| person | items | emotions | choices of ${nCorrections} corrections | accuracy on the others, none | with ${nCorrections} corrections | gain (points) |`,
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.person} | ${r.items} | ${r.emotions} | ${r.choices} | ${pct(r.before)} | ${pct(r.after)} | ${pts(r.after - r.before)} |`,
    ),
    `| **all ${overall.people} people** | ${results.reduce((s, r) => s + r.items, 0)} | | | **${pct(overall.before)}** | **${pct(overall.after)}** | **${pts(overall.after - overall.before)}** |`,
  ];
  process.stdout.write(
    `${lines.join('\n')}\n\nl2 ${l2}; ${overall.improved} people better, ${overall.worse} worse, ${overall.people - overall.improved - overall.worse} unchanged\n`,
  );
}
