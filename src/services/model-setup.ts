import type { Config } from '../config/config.js';

export interface PreparedModel {
  /** Environment for worker processes telling them which model to load. */
  workerEnv: Record<string, string>;
  description: string;
}

/**
 * Resolves the configured emotion model before any request is served: a checkpoint
 * named by MODEL_PATH, MODEL_URL or MODEL_DOWNLOAD_ID is downloaded once into DATA_DIR
 * (atomically) and checked to load, so that a bad or missing file is a start-up error
 * rather than a 500 on every request.
 */
export async function prepareEmotionModel(
  config: Readonly<Config>,
  log: (message: string) => void = () => undefined,
): Promise<PreparedModel> {
  const calibrationEnv: Record<string, string> = {};
  if (config.calibrationPath) {
    const { loadCalibration } = await import('../vision/calibration.js');
    try {
      await loadCalibration(config.calibrationPath);
    } catch (err) {
      throw new Error(
        `CALIBRATION_PATH ${config.calibrationPath} does not load: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    calibrationEnv.CALIBRATION_PATH = config.calibrationPath;
  }
  if (config.model === 'default')
    return { workerEnv: { EMOTHUMB_MODEL: 'default', ...calibrationEnv }, description: 'default' };
  // Loaded only when configured: the default start-up does not pay for it.
  const { resolveModelFile } = await import('../vision/model-source.js');
  const { inspectEmotiMesh } = await import('../vision/emotimesh/index.js');
  const file = await resolveModelFile(
    {
      modelPath: config.modelPath,
      modelUrl: config.modelUrl,
      modelDownloadId: config.modelDownloadId,
      dataDir: config.dataDir,
    },
    { log },
  );
  if (!file) throw new Error(`MODEL=${config.model} needs MODEL_PATH, MODEL_URL or MODEL_DOWNLOAD_ID`);
  let info;
  try {
    info = await inspectEmotiMesh(file);
  } catch (err) {
    throw new Error(
      `The model file ${file} does not load: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  log(
    `EmotiMesh model ${file}: ${JSON.stringify(info.architecture ?? { inputSize: info.inputSize, classes: info.classes })}`,
  );
  return {
    workerEnv: { EMOTHUMB_MODEL: config.model, EMOTHUMB_MODEL_FILE: file },
    description: `${config.model}:${file}`,
  };
}
