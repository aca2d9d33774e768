import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadEmotiMesh } from '../vision/emotimesh/index.js';
import { processIo, type CommandIo } from './command-io.js';

/** Validates `{"inputs": [[[...features] x T] x B]}` and flattens each sequence. */
export function parseEmotimeshCases(
  json: unknown,
  inputSize: number,
): { inputs: Float32Array[]; steps: number } {
  const inputs = (json as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new Error('the input file must be {"inputs": [[[...numbers] x T] x B]} with at least one sequence');
  }
  let steps = -1;
  const out = inputs.map((seq: unknown, b) => {
    if (!Array.isArray(seq) || seq.length === 0)
      throw new Error(`inputs[${b}] must be a non-empty list of frames`);
    if (steps < 0) steps = seq.length;
    if (seq.length !== steps)
      throw new Error(
        `inputs[${b}] has ${seq.length} frames, inputs[0] has ${steps}: all sequences need the same length`,
      );
    const flat = new Float32Array(steps * inputSize);
    seq.forEach((frame: unknown, t) => {
      if (!Array.isArray(frame) || frame.length !== inputSize) {
        throw new Error(`inputs[${b}][${t}] must be a list of ${inputSize} numbers`);
      }
      frame.forEach((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new Error(`inputs[${b}][${t}][${i}] is not a finite number`);
        flat[t * inputSize + i] = v;
      });
    });
    return flat;
  });
  return { inputs: out, steps };
}

/**
 * `emotimesh --model <file.pth|file.onnx> --input <cases.json>`: runs the
 * seed's EmotiMesh_Net on landmark sequences and prints one JSON object with
 * `logits` and `probabilities`, each [B][5] in the class order Anger, Happy,
 * Shock, Neutral, Sad. For checking a checkpoint against PyTorch's outputs.
 *
 * @example
 * emothumb emotimesh --model data/models/EmotiMesh_Net.pth --input cases.json
 */
export function registerEmotimeshCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command('emotimesh')
    .description(
      "run an EmotiMesh_Net checkpoint (the v1 service's model) (.pth or .onnx) on landmark sequences from a JSON file",
    )
    .requiredOption('--model <file>', 'a torch.save(state_dict) checkpoint (.pth) or an ONNX export (.onnx)')
    .requiredOption('--input <cases.json>', 'JSON {"inputs": [[[...1404 numbers] x T] x B]}')
    .option('--threads <n>', 'onnxruntime threads (default: one per core)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { model: string; input: string; threads?: number }) => {
      let cases: unknown;
      try {
        cases = JSON.parse(await readFile(opts.input, 'utf8'));
      } catch (err) {
        io.err(`error: cannot read ${opts.input}: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      let model;
      try {
        model = await loadEmotiMesh(opts.model, opts.threads ? { threads: opts.threads } : {});
      } catch (err) {
        io.err(`error: cannot load ${opts.model}: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const { inputs, steps } = parseEmotimeshCases(cases, model.info.inputSize);
        const result = await model.forward(inputs, steps);
        io.out(`${JSON.stringify({ logits: result.logits, probabilities: result.probabilities })}\n`);
      } catch (err) {
        io.err(`error: ${(err as Error).message}\n`);
        process.exitCode = 2;
      } finally {
        await model.dispose();
      }
    });
}
