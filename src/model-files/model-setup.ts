import type { Config } from '../config/config.js';
import { loadCalibration } from '../vision/calibration.js';
import type { EngineSettings } from '../vision/index.js';

export interface PreparedModel {
  /** What every worker builds its engine from. */
  engine: EngineSettings;
  description: string;
}

/**
 * Resolves the configured emotion model once, before any request is served, into
 * the typed settings handed to workers and commands: the calibration (the operator's
 * CALIBRATION_PATH, checked to load, or the committed one), and a checkpoint named by
 * MODEL_PATH, MODEL_URL or MODEL_DOWNLOAD_ID, downloaded once into DATA_DIR
 * (atomically) and checked to load, so that a bad or missing file is a start-up error
 * rather than a 500 on every request.
 */
export async function prepareEmotionModel(
  config: Readonly<Config>,
  log: (message: string) => void = () => undefined,
): Promise<PreparedModel> {
  let calibration;
  try {
    calibration = await loadCalibration(config.calibrationPath);
  } catch (err) {
    throw new Error(
      `CALIBRATION_PATH ${config.calibrationPath} does not load: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (config.model === 'default' || config.model === 'none') {
    return { engine: { model: config.model, calibration }, description: config.model };
  }
  // Loaded only when configured: the default start-up does not pay for it.
  const { resolveModelFile } = await import('./model-source.js');
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
    engine: { model: config.model, checkpointPath: file, calibration },
    description: `${config.model}:${file}`,
  };
}
