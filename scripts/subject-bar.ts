/**
 * The bar for learning from corrections, through HTTP against a running server
 * (src/vision/README.md, issue 18 part 3): for each person, their photos are asked once without
 * `subject_id` (the uncorrected answers), then, for each draw, all of them with a fresh
 * `subject_id`, 3 of 3 different emotions are corrected by `POST /feedback`, and the other photos
 * are asked again: accuracy on them against the uncorrected answers. Also checked on every draw:
 * the answers before the first correction are exactly the uncorrected ones, after
 * `DELETE /subjects/<id>` a photo's answer is exactly the uncorrected one again, and (per person)
 * an answer without `subject_id` is exactly the first one.
 *
 *   npx tsx scripts/subject-bar.ts --url http://127.0.0.1:5000 --key $API_KEY \
 *     --labels stills.csv --people TW02,TW05,TW28 [--draws 3] [--corrections 3]
 *
 * For held-out people, start the server with CALIBRATION_PATH set to a calibration fitted
 * without them (`subject-gain.ts folds` + `calibrate`).
 */
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';

import { parseLabels } from '../src/vision/evaluation.js';

const { values: opts } = parseArgs({
  options: Object.fromEntries(
    ['url', 'key', 'draws', 'corrections', 'people', 'labels'].map((name) => [
      name,
      { type: 'string' } as const,
    ]),
  ),
});
const need = (name: string, fallback?: string): string => {
  const v = (opts[name] as string | undefined) ?? fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
};
const url = need('url');
const key = need('key');
const draws = Number(need('draws', '3'));
const nCorrections = Number(need('corrections', '3'));
const people = need('people').split(',');
const rows = parseLabels(await readFile(need('labels'), 'utf8'));

const headers = (): Record<string, string> => ({ 'x-api-key': key, 'x-date': new Date().toISOString() });

interface Answer {
  requestId: string;
  emotion: string;
  probabilities: Record<string, number>;
}

async function predict(path: string, subject?: string): Promise<Answer> {
  const body = await readFile(path);
  const query = subject ? `?subject_id=${encodeURIComponent(subject)}` : '';
  const type = path.toLowerCase().endsWith('.png') ? 'image/png' : 'image/jpeg';
  const res = await fetch(`${url}/predict${query}`, {
    method: 'POST',
    headers: { ...headers(), 'content-type': type },
    body,
  });
  const json = (await res.json()) as { emotion: string; probabilities: Record<string, number> };
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return {
    requestId: res.headers.get('x-request-id') ?? '',
    emotion: json.emotion,
    probabilities: json.probabilities,
  };
}

async function call(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...headers(), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  return res.status;
}

/** A seeded choice of `n` items of `n` different emotions (LCG, so reruns ask the same). */
function pick(labels: string[], n: number, seed0: number): number[] {
  let seed = seed0;
  const order = labels.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const chosen: number[] = [];
  for (const i of order)
    if (chosen.length < n && !chosen.some((c) => labels[c] === labels[i])) chosen.push(i);
  return chosen;
}

const same = (a: Answer, b: Answer): boolean =>
  a.emotion === b.emotion && JSON.stringify(a.probabilities) === JSON.stringify(b.probabilities);

let totalBefore = 0;
let totalAfter = 0;
let totalItems = 0;
let checks = 0;
let failed = 0;
const lines = [
  '| person | photos | draws | accuracy on the others, none | with corrections | gain (points) |',
  '|---|---|---|---|---|---|',
];
for (const person of people) {
  const items = rows.filter((r) => r.subject_id === person);
  const labels = items.map((r) => r.class5);
  const plain: Answer[] = [];
  for (const it of items) plain.push(await predict(it.path));
  let before = 0;
  let after = 0;
  for (let d = 0; d < draws; d++) {
    const subject = `${person}-bar-${d}`;
    const asked: Answer[] = [];
    for (const it of items) asked.push(await predict(it.path, subject));
    checks += 1;
    if (!asked.every((a, i) => same(a, plain[i]))) failed += 1;
    const corrected = pick(labels, nCorrections, 1000 + d);
    for (const i of corrected) {
      const status = await call('POST', '/feedback', { request_id: asked[i].requestId, emotion: labels[i] });
      if (status !== 200) throw new Error(`feedback ${status}`);
    }
    const rest = items.map((_, i) => i).filter((i) => !corrected.includes(i));
    let right = 0;
    for (const i of rest) if ((await predict(items[i].path, subject)).emotion === labels[i]) right += 1;
    before += rest.filter((i) => plain[i].emotion === labels[i]).length / rest.length;
    after += right / rest.length;
    if ((await call('DELETE', `/subjects/${encodeURIComponent(subject)}`)) !== 204) throw new Error('delete');
    checks += 1;
    if (!same(await predict(items[rest[0]].path, subject), plain[rest[0]])) failed += 1;
    await call('DELETE', `/subjects/${encodeURIComponent(subject)}`);
  }
  // Answers without subject_id are untouched by everything above.
  checks += 1;
  if (!same(await predict(items[0].path), plain[0])) failed += 1;
  const w = items.length - nCorrections;
  totalBefore += (w * before) / draws;
  totalAfter += (w * after) / draws;
  totalItems += w;
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  lines.push(
    `| ${person} | ${items.length} | ${draws} | ${pct(before / draws)} | ${pct(after / draws)} | ${((100 * (after - before)) / draws).toFixed(1)} |`,
  );
  process.stderr.write(`${lines.at(-1)}\n`);
}
lines.push(
  `| **all ${people.length}** | | | **${((100 * totalBefore) / totalItems).toFixed(1)} %** | **${((100 * totalAfter) / totalItems).toFixed(1)} %** | **${((100 * (totalAfter - totalBefore)) / totalItems).toFixed(1)}** |`,
);
process.stdout.write(
  `${lines.join('\n')}\n\nexact-answer checks (before the first correction, after DELETE): ${checks - failed} of ${checks} passed\n`,
);
