import { resolve } from 'node:path';
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
      process.env.EMOTHUMB_MODEL ??= config.model;
      const started = performance.now();
      const progress = process.stderr.isTTY ? startSpinner(`analysing ${file}`) : undefined;
      try {
        const result = await processClip({
          inputPath: resolve(file),
          limits: {
            maxPixels: config.maxPixels,
            maxSeconds: config.maxVideoSeconds,
            minFrames: config.minFrames,
          },
          predict: true,
          predictFrames: config.predictFrames,
        });
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

/** A small terminal progress indicator on stderr (stdout stays pure JSON). */
function startSpinner(label: string): { stop(): void } {
  const frames = ['|', '/', '-', '\\'];
  let i = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    process.stderr.write(
      `\r${frames[i++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}
