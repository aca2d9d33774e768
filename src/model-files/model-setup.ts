import type { Config } from '../config/config.js';
import { loadCalibration } from '../vision/calibration.js';
import type { EngineSettings } from '../vision/index.js';
import { resolvePinnedModels, type ModelFileStatus } from './pinned-models.js';

export interface PreparedModel {
  /** What every worker builds its engine from. */
  engine: EngineSettings;
  description: string;
  /** The pinned model files (the aligned expression model): loaded or missing, and why. */
  models: ModelFileStatus[];
}

/** How long start-up may spend downloading a missing pinned model file before running without it. */
export const STARTUP_DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * The pinned model files for this configuration (none for MODEL=none), each said in the log:
 * the ones the service uses and the ones it runs without.
 */
export async function preparePinnedModels(
  config: Readonly<Config>,
  log: (message: string) => void = () => undefined,
): Promise<ModelFileStatus[]> {
  if (config.model === 'none') return [];
  const models = await resolvePinnedModels({
    modelsDir: config.modelsDir,
    download: config.modelDownload,
    log,
    // At start-up readiness waits for this 1.3 MB file: a network that drops the connection
    // silently must not hold the service for long (`models fetch` keeps the longer limit).
    timeoutMs: STARTUP_DOWNLOAD_TIMEOUT_MS,
  });
  for (const m of models)
    log(
      m.status === 'loaded'
        ? `model ${m.name} (${m.role}): ${m.path}`
        : `model ${m.name} missing, running without it (${m.role}): ${m.reason}`,
    );
  return models;
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
  const models = await preparePinnedModels(config, log);
  const alignedModelPath = models.find((m) => m.name === 'aligned-expression' && m.status === 'loaded')?.path;
  const aligned = alignedModelPath ? { alignedModelPath } : {};
  if (config.model === 'default' || config.model === 'none') {
    return {
      engine: { model: config.model, calibration, ...aligned },
      description: `${config.model}${alignedModelPath ? '+aligned' : ''}`,
      models,
    };
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
      modelsDir: config.modelsDir,
      download: config.modelDownload,
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
    engine: { model: config.model, checkpointPath: file, calibration, ...aligned },
    description: `${config.model}:${file}${alignedModelPath ? '+aligned' : ''}`,
    models,
  };
}
