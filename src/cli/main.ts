#!/usr/bin/env node
import '../polyfills.js';
import { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { registerAnalyzeCommand } from './analyze.command.js';
import { registerKeysCommand } from './keys.command.js';

const program = new Command('emothumb')
  .description('Emotion-aware video thumbnails: service tools')
  .showHelpAfterError();

registerKeysCommand(program, () => {
  const config = loadConfig();
  return { dataDir: config.dataDir, databaseUrl: config.databaseUrl };
});
registerAnalyzeCommand(program);

await program.parseAsync(process.argv);
