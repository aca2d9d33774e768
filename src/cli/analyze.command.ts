import { resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';

/** `analyze <file>`: the /predict answer for a local clip, without a server. */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('Print the /predict JSON for a local video file')
    .argument('<file>', 'video file (mp4, mov, webm, ...)')
    .action(async (file: string) => {
      const config = loadConfig();
      // Loaded here, not at the top: other commands must not pay for FFmpeg and the models.
      const { processClip } = await import('../services/clip-processor.js');
      // The same model resolution as the server (download once, verify), then the same pipeline.
      const { prepareEmotionModel } = await import('../services/model-setup.js');
      const model = await prepareEmotionModel(config);
      for (const [name, value] of Object.entries(model.workerEnv)) process.env[name] ??= value;
      const started = performance.now();
      const progress = process.stderr.isTTY ? startProgress(`analysing ${file}`) : undefined;
      try {
        const result = await processClip(
          {
            inputPath: resolve(file),
            limits: {
              maxPixels: config.maxPixels,
              maxSeconds: config.maxVideoSeconds,
              minFrames: config.minFrames,
            },
            predict: true,
            predictFrames: config.predictFrames,
          },
          (stage) => progress?.stage(stage),
        );
        progress?.stop();
        const p = result.prediction!;
        const { peak_t: _peak, ...rest } = p;
        process.stdout.write(
          `${JSON.stringify({ ...rest, prediction: p.emotion, latency_ms: Math.round(performance.now() - started) }, null, 2)}\n`,
        );
      } catch (err) {
        progress?.stop();
        if (err instanceof AppError) {
          process.stdout.write(`${JSON.stringify({ error: err.message, code: err.code })}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}

const STAGES = ['probe', 'model_load', 'decode', 'inference'];

/** A progress bar on stderr over the pipeline's stages (stdout stays pure JSON). */
function startProgress(label: string): { stage(name: string): void; stop(): void } {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {stage} {duration}s`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(STAGES.length, 0, { stage: 'starting' });
  return {
    stage(name) {
      bar.update(Math.max(0, STAGES.indexOf(name)), { stage: name.replace('_', ' ') });
    },
    stop() {
      bar.update(STAGES.length, { stage: 'done' });
      bar.stop();
    },
  };
}
