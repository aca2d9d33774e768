import { config as loadDotenv } from 'dotenv';
import { parseConfig, type Config } from './config.js';

/** Reads `.env` (without overriding the real environment) and parses the settings once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  loadDotenv({ quiet: true, processEnv: env as Record<string, string> });
  return parseConfig(env);
}

/**
 * The environment for a worker process the service forks: the parent's, with few malloc
 * arenas (FFmpeg's and the model runtimes' threads otherwise each grow their own, and
 * resident memory balloons under concurrent jobs without being reused) and buffers of 512 KB
 * and more (decoded frames, the thumbnail's RGB frames) taken from mmap, so that they go back to
 * the system when freed instead of fragmenting the heap. Measured after ~25 jobs and a mixed
 * load: a worker ~30 MB smaller than with glibc's default (2 MB: ~15 MB; 256 KB: ~45 MB but
 * /analyze 3-5 % slower); clip times at 512 KB equal within this machine's noise. Workers get their settings as
 * data in each job, not from this environment.
 */
export function workerProcessEnv(): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: String(512 * 1024), ...process.env };
}
