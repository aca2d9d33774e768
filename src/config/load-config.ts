import { config as loadDotenv } from 'dotenv';
import { parseConfig, type Config } from './config.js';

/** Reads `.env` (without overriding the real environment) and parses the settings once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  loadDotenv({ quiet: true, processEnv: env as Record<string, string> });
  return parseConfig(env);
}

/**
 * The environment for a worker process the service forks: the parent's, with few
 * malloc arenas (FFmpeg's and the model runtimes' threads otherwise each grow their
 * own, and resident memory balloons under concurrent jobs without being reused).
 * Workers get their settings as data in each job, not from this environment.
 */
export function workerProcessEnv(): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', ...process.env };
}
