import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerEmotimeshCommand } from '../../src/cli/emotimesh.command.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'emotimesh');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emotimesh-cli-'));
  process.exitCode = undefined;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

async function run(args: string[]): Promise<{ out: string; err: string; code: number | string | undefined }> {
  let out = '';
  let err = '';
  const program = new Command('emothumb').exitOverride();
  registerEmotimeshCommand(program, { out: (t) => (out += t), err: (t) => (err += t) });
  await program.parseAsync(['node', 'emothumb', 'emotimesh', ...args]);
  const code = process.exitCode;
  process.exitCode = undefined;
  return { out, err, code };
}

describe('emotimesh command', () => {
  for (const [name, ext] of [
    ['v2-c2-k5-p0-h2-l1', 'pth'],
    ['v1-c1-k7-p2-h4-l2', 'onnx'],
  ]) {
    it(`prints one JSON object with PyTorch's logits and probabilities (${ext})`, async () => {
      const cases = join(FIXTURES, `${name}.json`);
      const expected = JSON.parse(readFileSync(cases, 'utf8')) as {
        logits: number[][];
        probabilities: number[][];
      };
      const { out, err, code } = await run(['--model', join(FIXTURES, `${name}.${ext}`), '--input', cases]);
      expect(err).toBe('');
      expect(code).toBeUndefined();
      expect(out.trim().split('\n')).toHaveLength(1);
      const result = JSON.parse(out) as { logits: number[][]; probabilities: number[][] };
      expect(Object.keys(result)).toEqual(['logits', 'probabilities']);
      expect(result.logits).toHaveLength(expected.logits.length);
      result.logits.forEach((row, b) => {
        expect(row).toHaveLength(5);
        row.forEach((v, j) => expect(Math.abs(v - expected.logits[b][j])).toBeLessThan(1e-4));
        result.probabilities[b].forEach((v, j) =>
          expect(Math.abs(v - expected.probabilities[b][j])).toBeLessThan(1e-4),
        );
      });
    });
  }

  it('reports a bad model, a bad input file and ragged sequences on stderr with a non-zero exit', async () => {
    const cases = join(FIXTURES, 'v2-c2-k5-p0-h2-l1.json');
    const bad = await run(['--model', join(FIXTURES, 'forbidden-global.pth'), '--input', cases]);
    expect(bad.err).toMatch(/cannot load .*posix\.system/);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');

    const missing = await run([
      '--model',
      join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'),
      '--input',
      join(dir, 'none.json'),
    ]);
    expect(missing.err).toMatch(/cannot read/);
    expect(missing.code).toBe(2);

    const ragged = join(dir, 'ragged.json');
    writeFileSync(
      ragged,
      JSON.stringify({
        inputs: [[new Array(1404).fill(0)], [new Array(1404).fill(0), new Array(1404).fill(0)]],
      }),
    );
    const r = await run(['--model', join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'), '--input', ragged]);
    expect(r.err).toMatch(/same length/);

    const short = join(dir, 'short.json');
    writeFileSync(short, JSON.stringify({ inputs: [[[1, 2, 3]]] }));
    const s = await run(['--model', join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'), '--input', short]);
    expect(s.err).toMatch(/inputs\[0\]\[0\] must be a list of 1404 numbers/);
  });
});
