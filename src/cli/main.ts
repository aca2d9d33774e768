#!/usr/bin/env node
import '../polyfills.js';
import { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { LabelsFileError } from '../vision/evaluation.js';

const program = new Command('emothumb')
  .description('Emotion-aware video thumbnails: service tools')
  .showHelpAfterError();

/**
 * Each command's module is imported only when that command (or the help) is asked for:
 * `keys` must not pay for loading FFmpeg, onnxruntime and the vision models.
 */
const COMMANDS: Record<string, () => Promise<void>> = {
  keys: async () =>
    (await import('./keys.command.js')).registerKeysCommand(program, () => {
      const config = loadConfig();
      return { dataDir: config.dataDir, databaseUrl: config.databaseUrl };
    }),
  analyze: async () => (await import('./analyze.command.js')).registerAnalyzeCommand(program),
  eval: async () => (await import('./eval.command.js')).registerEvalCommand(program),
  calibrate: async () => (await import('./calibrate.command.js')).registerCalibrateCommand(program),
  emotimesh: async () => (await import('./emotimesh.command.js')).registerEmotimeshCommand(program),
  models: async () => (await import('./models.command.js')).registerModelsCommand(program, loadConfig),
};

const asked = process.argv[2];
for (const [name, register] of Object.entries(COMMANDS)) {
  if (asked === undefined || !(asked in COMMANDS) || asked === name) await register();
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A bad input file is the user's to fix: its message, one line per problem, no stack trace.
  if (!(err instanceof LabelsFileError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 2;
}
