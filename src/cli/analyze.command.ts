import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import { predictionBody } from '../http/prediction-body.js';

/** `analyze <file>`: the /predict answer for a local clip, without a server. */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('Print the /predict JSON for a local video file or photo')
    .argument('<file>', 'video file (mp4, mov, webm, ...)')
    .action(async (file: string) => {
      if (!existsSync(file)) {
        // Errors go to stderr (as JSON, like the API's), so stdout carries only the answer.
        process.stderr.write(`${JSON.stringify({ error: `No such file: ${file}`, code: 'no_such_file' })}\n`);
        process.exitCode = 1;
        return;
      }
      const config = loadConfig();
      // Loaded here, not at the top: other commands must not pay for FFmpeg and the models.
      const { processClip } = await import('../services/clip-processor.js');
      // The same model resolution as the server (download once, verify), then the same pipeline.
      const { prepareEmotionModel } = await import('../model-files/model-setup.js');
      const { EngineCache } = await import('../vision/index.js');
      const model = await prepareEmotionModel(config);
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
              // As /predict: a still photo is scored as one frame.
              stills: true,
            },
            predict: true,
            predictFrames: config.predictFrames,
            engine: model.engine,
          },
          new EngineCache(),
          (stage) => progress?.stage(stage),
        );
        progress?.stop();
        const body = {
          ...predictionBody(result.prediction!),
          latency_ms: Math.round(performance.now() - started),
        };
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      } catch (err) {
        progress?.stop();
        if (err instanceof AppError) {
          process.stderr.write(`${JSON.stringify({ error: err.message, code: err.code })}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}

const STAGES = ['probe', 'model', 'scan', 'decode', 'filter'];

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
