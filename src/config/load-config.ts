import { config as loadDotenv } from 'dotenv';
import { parseConfig, type Config } from './config.js';

/** Reads `.env` (without overriding the real environment) and parses the settings once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  loadDotenv({ quiet: true, processEnv: env as Record<string, string> });
  return parseConfig(env);
}
