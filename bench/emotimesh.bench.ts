/**
 * Full-size EmotiMesh_Net (139 M parameters, 556 MB checkpoint with random
 * weights, written by the fixture generator into a temp dir, never committed):
 * PyTorch's own load and forward on one thread (the seed's set-up) against ours,
 * measured in the same run. Needs Debian's python3-torch for the checkpoint and
 * the baseline; without it the benchmark says so and exits.
 *
 * npx tsx bench/run.ts emotimesh
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmotiMesh } from '../src/vision/emotimesh/index.js';

import { median } from './lib/measure.js';
const PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
const generator = join(here, '..', 'scripts', 'fixtures', 'make_emotimesh_fixtures.py');
const RUNS = 12;

// PyTorch baseline: the seed's predictor, which builds the network, torch.loads the
// state dict and runs it on every request; torch limited to one thread.
const PYTORCH_BASELINE = `
import json, resource, statistics, sys, time
import torch
sys.path.insert(0, sys.argv[1])
from make_emotimesh_fixtures import EmotiMeshNet
torch.set_num_threads(1)
path, cases, runs = sys.argv[2], sys.argv[3], int(sys.argv[4])
x = torch.tensor(json.load(open(cases))['inputs'], dtype=torch.float32)
t0 = time.perf_counter()
model = EmotiMeshNet()
model.load_state_dict(torch.load(path, map_location='cpu'))
model.eval()
load = time.perf_counter() - t0
times = []
with torch.no_grad():
    for _ in range(runs):
        t0 = time.perf_counter()
        logits = model(x)
        times.append(time.perf_counter() - t0)
print(json.dumps({'load': load, 'forward': statistics.median(times), 'first': times[0],
                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'logits': logits.tolist()}))
`;

async function main(): Promise<void> {
  if (spawnSync(PYTHON, ['-c', 'import torch']).status !== 0) {
    console.log('skipped: Debian python3-torch is not installed (apt-get install -y python3-torch)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'emotimesh-bench-'));
  try {
    console.log('writing the full-size checkpoint (random weights) ...');
    const gen = spawnSync(PYTHON, [generator, '--full', dir], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`fixture generator failed: ${gen.stderr}`);
    const checkpoint = join(dir, 'full.pth');
    const cases = join(dir, 'full.json');
    const reference = JSON.parse(readFileSync(cases, 'utf8')) as { inputs: number[][][]; logits: number[][] };

    const torchRuns = 5;
    const py = spawnSync(
      PYTHON,
      ['-c', PYTORCH_BASELINE, dirname(generator), checkpoint, cases, String(torchRuns)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (py.status !== 0) throw new Error(`PyTorch baseline failed: ${py.stderr}`);
    const torch = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
      load: number;
      forward: number;
      first: number;
      rss_mb: number;
    };

    const x = Float32Array.from(reference.inputs[0].flat());
    const t0 = performance.now();
    const model = await loadEmotiMesh(checkpoint);
    const load = (performance.now() - t0) / 1000;
    const times: number[] = [];
    let logits: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      logits = (await model.forward([x], 15)).logits[0];
      times.push((performance.now() - t) / 1000);
    }
    const rss = process.resourceUsage().maxRSS / 1024;
    // File-backed pages are the checkpoint's page cache, shared by every process that maps it.
    const status = readFileSync('/proc/self/status', 'utf8');
    const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    const split = `now ${mb('RssFile').toFixed(0)} file-backed + ${mb('RssAnon').toFixed(0)} anonymous`;
    const maxDiff = Math.max(...logits.map((v, j) => Math.abs(v - reference.logits[0][j])));
    await model.dispose();

    // One thread, as PyTorch was given: the same mapped weights, a second session.
    const single = await loadEmotiMesh(checkpoint, { threads: 1 });
    const singleTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await single.forward([x], 15);
      singleTimes.push((performance.now() - t) / 1000);
    }
    await single.dispose();

    const ours = median(times);
    const ours1 = median(singleTimes);
    const f = (v: number, d = 3) => v.toFixed(d);
    console.log(
      `\nfull-size EmotiMesh_Net, ${(139e6 / 1e6).toFixed(0)} M parameters, 15 frames; PyTorch ${torchRuns} runs, ours ${RUNS}\n`,
    );
    console.log('| measure | PyTorch (1 thread) | ours (2 threads) | ours (1 thread) | PyTorch / ours |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| load: build + read checkpoint (s) | ${f(torch.load)} | ${f(load)} (incl. warm-up pass) | - | ${f(torch.load / load, 1)}x |`,
    );
    console.log(
      `| forward, median (s) | ${f(torch.forward)} | ${f(ours)} | ${f(ours1)} | ${f(torch.forward / ours, 1)}x (1 thread: ${f(torch.forward / ours1, 1)}x) |`,
    );
    console.log(
      `| seed per request: load + forward (s) | ${f(torch.load + torch.first)} | ${f(ours)} (loaded once) | - | ${f((torch.load + torch.first) / ours, 1)}x |`,
    );
    console.log(
      `| peak RSS (MB) | ${f(torch.rss_mb, 0)} | ${f(rss, 0)} (${split}) | - | ${f(torch.rss_mb / rss, 2)}x |`,
    );
    console.log(`| max abs logit difference vs PyTorch | - | ${maxDiff.toExponential(1)} | - | bar: 1e-3 |`);
    console.log(
      `\nforward bar: < 0.3 s -> ${ours < 0.3 ? 'met' : 'NOT met'}; forward runs (s): ${times.map((t) => f(t)).join(' ')}`,
    );
    if (maxDiff > 1e-3) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
