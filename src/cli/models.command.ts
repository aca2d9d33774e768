import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { PINNED_MODELS, resolvePinnedModel } from '../model-files/pinned-models.js';
import { processIo, type CommandIo } from './command-io.js';

/**
 * `models fetch`: download every pinned model file missing from MODELS_DIR now (checked against
 * its sha256), e.g. while building an image that will run with MODEL_DOWNLOAD=false. Asking is
 * the permission: MODEL_DOWNLOAD applies to the service's start-up, not to this command.
 * Exit code 1 when a model could not be fetched.
 */
export function registerModelsCommand(
  program: Command,
  config: () => Pick<Config, 'modelsDir'>,
  io: CommandIo = processIo,
): void {
  const models = program.command('models').description('Model files the service resolves in MODELS_DIR');
  models
    .command('fetch')
    .description('Download the pinned model files missing from MODELS_DIR (checked against their sha256)')
    .option('--url <url>', 'fetch from this URL instead of the upstream one (a mirror; one model)')
    .action(async (opts: { url?: string }) => {
      const { modelsDir } = config();
      let failed = false;
      for (const model of PINNED_MODELS) {
        try {
          const status = await resolvePinnedModel(model, {
            modelsDir,
            download: true,
            url: opts.url,
            log: (m) => io.err(`${m}\n`),
          });
          if (status.status === 'loaded') io.out(`${model.name}: ${status.path}\n`);
          else {
            failed = true;
            io.err(`${model.name}: ${status.reason}\n`);
          }
        } catch (err) {
          failed = true;
          io.err(`${model.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
