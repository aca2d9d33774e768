/**
 * How much a person's corrections help the answers on their other items (src/vision/README.md,
 * "Learning from corrections"). Reads per-item answers from `eval --json` and simulates the
 * service: for every person with enough items, choices of `--corrections` items of as many
 * different emotions are fed back as corrections, the service has answered `--answers` of the
 * person's items (the corrected ones first, then others in a seeded random order; `all`: every
 * item), and the person's other items are scored with the learnt adjustment
 * (fitSubjectAdjustment + adaptPrediction, as POST /feedback and the answers do) and without.
 *
 *   npx tsx scripts/subject-gain.ts folds --labels stills.csv --out /tmp/folds
 *     writes train-<k>.csv / test-<k>.csv: calibrate's own 5 person-grouped folds
 *   npx tsx scripts/subject-gain.ts gain --labels stills.csv --eval a.json [--eval b.json ...]
 *     [--l2 2] [--prior 3] [--weight 1] [--answers all|N] [--lean <emotion>] [--corrections 3] [--min-items 6] [--min-emotions 3]
 *     [--json] [--ceiling] [--nested] [--population-mean]
 *     --ceiling: the bias alone fitted on all of a person's items and scored on them (what a bias
 *     could do at best: an upper bound, not a held-out number)
 *     --nested: --l2, --prior and --weight chosen per fold of people on the other folds' people (each eval
 *     file is one fold), from a small grid; prints what each fold chose
 *     --lean <emotion>: the person's items of that emotion weigh 4 times (answers known and score):
 *     a person who shows it more often than people do, which the baseline mistakes for their face
 *     --population-mean: prints the mean centred log probability of the answers
 *     (POPULATION_ANSWER_MEAN) and exits
 *
 * The labels file gives each item's person (`subject_id`); the eval JSON its answer (matched by
 * path). With several people's answers coming from several eval runs (one per fold, each with a
 * calibration fitted without that fold's people), pass every run's JSON.
 */
import { parseArgs } from 'node:util';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { foldOf } from '../src/evaluation/calibration-fit.js';
import { parseLabels } from '../src/vision/evaluation.js';
import { EMOTIONS5, argmax, type Emotion5 } from '../src/vision/emotions.js';
import {
  answerLogits,
  centred,
  fitSubjectAdjustment,
  fitSubjectBias,
  SUBJECT_BASELINE_PRIOR,
  SUBJECT_BASELINE_WEIGHT,
  SUBJECT_BIAS_L2,
  type SubjectExample,
} from '../src/vision/subject-adaptation.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ...Object.fromEntries(
      [
        'labels',
        'out',
        'folds',
        'corrections',
        'min-items',
        'min-emotions',
        'answers',
        'lean',
        'l2',
        'prior',
        'weight',
      ].map((name) => [name, { type: 'string' } as const]),
    ),
    eval: { type: 'string', multiple: true },
    ...Object.fromEntries(
      ['population-mean', 'ceiling', 'nested', 'json'].map((name) => [name, { type: 'boolean' } as const]),
    ),
  },
});
const command = positionals[0] ?? '';
const given: Record<string, string | boolean | string[] | undefined> = values;
const opts = {
  get: (name: string): string[] | undefined => {
    const v = given[name];
    return v === undefined ? undefined : ([] as (string | boolean)[]).concat(v).map(String);
  },
  has: (name: string): boolean => given[name] !== undefined,
};
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
/** Each answer, and the fold (eval file) it came from. */
const answers = new Map<string, { item: EvalItem; fold: number }>();
(opts.get('eval') ?? []).forEach((file, fold) => {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { items: EvalItem[] };
  for (const item of doc.items) answers.set(item.path, { item, fold });
});

const nCorrections = Number(one('corrections', '3'));
const minItems = Number(one('min-items', '6'));
const minEmotions = Number(one('min-emotions', String(nCorrections)));
const answersKnown = one('answers', 'all');
/** Per person, every choice of corrections if there are at most this many, else a seeded sample. */
const MAX_CHOICES = 500;

interface Item {
  logits: number[];
  label: number;
}
interface Person {
  fold: number;
  items: Item[];
}
const people = new Map<string, Person>();
/** Every answered item with a person, by fold: what the population's mean answer is read from. */
const byFold = new Map<number, number[][]>();
for (const row of rows) {
  const answer = answers.get(row.path);
  const label = EMOTIONS5.indexOf(row.class5 as Emotion5);
  // An item without a face gets no answer, so it can be neither corrected nor improved.
  if (!answer?.item.probabilities || label < 0 || !row.subject_id) continue;
  const logits = answerLogits(answer.item.probabilities);
  byFold.set(answer.fold, [...(byFold.get(answer.fold) ?? []), logits]);
  const person = people.get(row.subject_id) ?? { fold: answer.fold, items: [] };
  person.items.push({ logits, label });
  people.set(row.subject_id, person);
}

const mean = (zs: number[][]): number[] =>
  EMOTIONS5.map((_, j) => zs.reduce((s, z) => s + centred(z)[j], 0) / zs.length);
if (opts.has('population-mean')) {
  process.stdout.write(`${JSON.stringify(mean([...byFold.values()].flat()).map((v) => +v.toFixed(3)))}\n`);
  process.exit(0);
}
/** The population's mean answer for a person of `fold`: from the other folds' answers only. */
const populationMean = new Map(
  [...byFold.keys()].map((k) => [
    k,
    mean([...byFold.entries()].filter(([f]) => f !== k).flatMap(([, z]) => z)),
  ]),
);

/** A fixed-seed shuffle (LCG), so reruns print the same numbers. */
function shuffle<T>(list: T[], seed0: number): T[] {
  const out = [...list];
  let seed = seed0;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Every set of `n` item indices with `n` different labels (a seeded sample past MAX_CHOICES). */
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
  return out.length <= MAX_CHOICES ? out : shuffle(out, 12345).slice(0, MAX_CHOICES);
}

interface Setting {
  l2: number;
  prior: number;
  weight: number;
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

/**
 * --lean <emotion>: a person who shows that emotion more than people do (a journal's sad days):
 * their items of it weigh LEAN_WEIGHT times, in the answers the service knows and in the score.
 */
const lean = opts.has('lean') ? EMOTIONS5.indexOf(one('lean') as Emotion5) : -1;
const LEAN_WEIGHT = 4;
const weigh = (it: Item): number => (it.label === lean ? LEAN_WEIGHT : 1);
const right = (items: Item[], adjust: number[]): number =>
  items
    .filter((it) => argmax(it.logits.map((z, k) => z + adjust[k])) === it.label)
    .reduce((s, it) => s + weigh(it), 0) / items.reduce((s, it) => s + weigh(it), 0);

/** One person's accuracy on their other items, without and with what the service learns. */
function personGain(name: string, person: Person, setting: Setting): PersonGain {
  const { items } = person;
  const ceiling = opts.has('ceiling');
  const sets = ceiling ? [items.map((_, i) => i)] : choices(items, nCorrections);
  let before = 0;
  let after = 0;
  sets.forEach((set, draw) => {
    const rest = ceiling ? items : items.filter((_, i) => !set.includes(i));
    const examples: SubjectExample[] = set.map((i) => items[i]);
    let adjust: number[];
    if (ceiling) adjust = fitSubjectBias(examples, { l2: setting.l2 });
    else {
      // The service has answered the corrected items, then others in a random order.
      const order = [
        ...set,
        ...shuffle(
          items.map((_, i) => i).filter((i) => !set.includes(i)),
          777 + draw,
        ),
      ];
      const known =
        answersKnown === 'all' ? order : order.slice(0, Math.max(set.length, Number(answersKnown)));
      adjust = fitSubjectAdjustment(
        {
          corrections: examples,
          answers: known.flatMap((i) => Array<number[]>(weigh(items[i])).fill(items[i].logits)),
        },
        { ...setting, populationMean: populationMean.get(person.fold) },
      );
    }
    before += right(rest, [0, 0, 0, 0, 0]);
    after += right(rest, adjust);
  });
  return {
    person: name,
    items: items.length,
    emotions: new Set(items.map((i) => i.label)).size,
    choices: sets.length,
    before: before / sets.length,
    after: after / sets.length,
  };
}

const eligible = [...people.entries()]
  .filter(([, p]) => p.items.length >= minItems && new Set(p.items.map((i) => i.label)).size >= minEmotions)
  .sort(([a], [b]) => a.localeCompare(b));
const weight = (r: PersonGain): number => (opts.has('ceiling') ? r.items : r.items - nCorrections);
function overall(results: PersonGain[]) {
  const total = results.reduce((s, r) => s + weight(r), 0);
  return {
    people: results.length,
    items: total,
    before: results.reduce((s, r) => s + weight(r) * r.before, 0) / total,
    after: results.reduce((s, r) => s + weight(r) * r.after, 0) / total,
    improved: results.filter((r) => r.after > r.before + 1e-9).length,
    worse: results.filter((r) => r.after < r.before - 1e-9).length,
  };
}

const fixed: Setting = {
  l2: Number(one('l2', String(SUBJECT_BIAS_L2))),
  prior: Number(one('prior', String(SUBJECT_BASELINE_PRIOR))),
  weight: Number(one('weight', String(SUBJECT_BASELINE_WEIGHT))),
};
let results: PersonGain[];
const chosen: string[] = [];
if (opts.has('nested')) {
  // Each fold's people are scored with the setting that did best on the other folds' people.
  const grid: Setting[] = [1, 2, 4].flatMap((l2) =>
    [0, 3, 10].flatMap((prior) => [0.5, 0.75, 1].map((weight) => ({ l2, prior, weight }))),
  );
  const table = grid.map((g) => eligible.map(([name, p]) => personGain(name, p, g)));
  const folds = [...new Set(eligible.map(([, p]) => p.fold))].sort();
  const byPerson = new Map<string, PersonGain>();
  for (const k of folds) {
    const inner = (r: PersonGain[]) => r.filter((_, i) => eligible[i][1].fold !== k);
    const gain = (r: PersonGain[]) => overall(inner(r)).after - overall(inner(r)).before;
    const best = table.reduce((b, r, i) => (gain(r) > gain(table[b]) ? i : b), 0);
    chosen.push(`fold ${k}: l2 ${grid[best].l2}, prior ${grid[best].prior}, weight ${grid[best].weight}`);
    table[best].forEach((r, i) => eligible[i][1].fold === k && byPerson.set(r.person, r));
  }
  results = eligible.map(([name]) => byPerson.get(name)!);
} else results = eligible.map(([name, p]) => personGain(name, p, fixed));

const all = overall(results);
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const pts = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
if (opts.has('json')) {
  process.stdout.write(
    `${JSON.stringify({ setting: fixed, chosen, answers: answersKnown, corrections: nCorrections, overall: all, people: results })}\n`,
  );
} else {
  const lines = [
    `| person | items | emotions | choices of ${nCorrections} corrections | accuracy on the others, none | with ${nCorrections} corrections | gain (points) |`,
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.person} | ${r.items} | ${r.emotions} | ${r.choices} | ${pct(r.before)} | ${pct(r.after)} | ${pts(r.after - r.before)} |`,
    ),
    `| **all ${all.people} people** | ${results.reduce((s, r) => s + r.items, 0)} | | | **${pct(all.before)}** | **${pct(all.after)}** | **${pts(all.after - all.before)}** |`,
  ];
  const how = opts.has('nested')
    ? `nested (${chosen.join('; ')})`
    : `l2 ${fixed.l2}, prior ${fixed.prior}, weight ${fixed.weight}`;
  process.stdout.write(
    `${lines.join('\n')}\n\n${how}; answers known ${answersKnown}; ${all.improved} people better, ${all.worse} worse, ${all.people - all.improved - all.worse} unchanged\n`,
  );
}
