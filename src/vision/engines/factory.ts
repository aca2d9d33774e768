import { AppError } from '../../errors.js';
import { DefaultEmotionEngine } from './default-engine.js';
import type { EmotionEngine, EngineSettings } from './engine.js';

/** Builds the engine `settings` describe (models loaded now). */
export async function createEmotionEngine(settings: EngineSettings): Promise<EmotionEngine> {
  if (settings.model === 'none') {
    // A media-only process (MODEL=none): say so instead of failing with a 500.
    throw new AppError('not_implemented', 'This server runs without an emotion model (MODEL=none).');
  }
  // The ML runtimes load only here: a process (or thread) that never builds an engine never loads them.
  const { createEmotionPipeline } = await import('../pipeline.js');
  const base = new DefaultEmotionEngine(
    await createEmotionPipeline({
      calibration: settings.calibration,
      alignedModelPath: settings.alignedModelPath,
    }),
  );
  if (settings.model === 'default') return base;
  if (!settings.checkpointPath) throw new Error(`MODEL=${settings.model} needs a checkpoint file`);
  // onnxruntime is loaded only when a checkpoint is configured: the default worker stays smaller.
  const { loadEmotiMesh } = await import('../emotimesh/index.js');
  const { EmotiMeshEngine } = await import('./emotimesh-engine.js');
  const model = await loadEmotiMesh(settings.checkpointPath);
  return new EmotiMeshEngine(base, model, settings.model === 'ensemble' ? 0.5 : 0);
}

/**
 * One engine per process for one settings value, loaded on first use and kept warm
 * (a failed load is retried on the next call).
 */
export class EngineCache {
  private current: { key: string; engine: Promise<EmotionEngine>; dead: boolean } | undefined;

  /** With `threaded`, the engine's models run in a thread of their own (see ThreadedEngine). */
  constructor(private readonly threaded = false) {}

  get(settings: EngineSettings): Promise<EmotionEngine> {
    const key = JSON.stringify(settings);
    if (this.current?.key !== key || this.current.dead) {
      const entry = { key, engine: this.create(settings, () => (entry.dead = true)), dead: false };
      entry.engine.catch(() => {
        if (this.current === entry) this.current = undefined;
      });
      this.current = entry;
    }
    return this.current.engine;
  }

  /** The engine for `settings`; `onDeath` runs if a threaded engine's thread stops (it is then replaced). */
  private async create(settings: EngineSettings, onDeath: () => void): Promise<EmotionEngine> {
    if (!this.threaded || settings.model === 'none') return createEmotionEngine(settings);
    const { ThreadedEngine } = await import('./threaded-engine.js');
    const engine = await ThreadedEngine.create(settings);
    engine.onDeath(onDeath);
    return engine;
  }
}
