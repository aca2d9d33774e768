import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { fromWireError, type WireError } from '../../errors.js';
import type { RgbFrame } from '../../media/types.js';
import { ANALYSIS_MAX_SIDE } from '../sizes.js';
import type { ClipEmotion, ClipEmotionSession, EmotionEngine, EngineSettings } from './engine.js';

/** Messages to the engine thread. */
export type EngineRequest =
  | { type: 'ready'; id: number }
  | { type: 'start'; id: number; frameCount: number }
  | { type: 'add'; id: number; position: number; frame: RgbFrame }
  | { type: 'finish'; id: number; replaced: (RgbFrame | undefined)[] }
  | { type: 'abandon'; id: number };

/** Replies from the engine thread. */
export type EngineReply =
  { id: number; ok: true; result?: ClipEmotion } | { id: number; ok: false; error: WireError };

/**
 * An engine whose models run in a thread of their own, so that a clip's frames are
 * analysed while the decoder (driven by this thread) produces the next ones: on two
 * cores the model and the decoder then run side by side. Same answers as the engine
 * it wraps (the thread runs exactly that engine); frames cross by copy.
 */
export class ThreadedEngine implements EmotionEngine {
  readonly frameMaxSide = ANALYSIS_MAX_SIDE;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(r: EngineReply): void }>();
  private readonly deathListeners: (() => void)[] = [];
  private dead = false;

  private constructor(settings: EngineSettings) {
    // Under tsx (tests, benchmarks) the thread runs the built script: Node 20 does not apply
    // tsx's loader to worker threads. `npm test` and `npm run bench` build first.
    const fromSource = import.meta.url.endsWith('.ts');
    const script = fileURLToPath(
      new URL(
        fromSource ? '../../../dist/vision/engines/engine.thread.js' : './engine.thread.js',
        import.meta.url,
      ),
    );
    this.worker = new Worker(script, {
      workerData: settings,
      // A small young generation, as the worker processes have: the models' garbage is
      // short-lived tensors and frame copies.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('message', (r: EngineReply) => {
      const w = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      // An idle thread does not keep the process alive; one with an answer owed does.
      if (this.waiting.size === 0) this.worker.unref();
      w?.resolve(r);
    });
    // A thread that dies takes every pending call with it.
    const fail = (err: unknown): void => {
      if (!this.dead) {
        this.dead = true;
        for (const cb of this.deathListeners) cb();
      }
      for (const [id, w] of this.waiting) {
        w.resolve({ id, ok: false, error: { message: `engine thread: ${String(err)}` } });
      }
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(`exited with ${code}`));
    this.worker.unref();
  }

  /** `cb` runs once if the thread stops (an error in it, or `close`): the engine is then unusable. */
  onDeath(cb: () => void): void {
    if (this.dead) cb();
    else this.deathListeners.push(cb);
  }

  /** Starts the thread and waits for its models. */
  static async create(settings: EngineSettings): Promise<ThreadedEngine> {
    const engine = new ThreadedEngine(settings);
    const id = engine.nextId++;
    await engine.call({ type: 'ready', id });
    return engine;
  }

  private call(message: EngineRequest & { id: number }): Promise<ClipEmotion | undefined> {
    return new Promise<EngineReply>((resolve) => {
      this.waiting.set(message.id, { resolve });
      this.worker.ref();
      this.worker.postMessage(message);
    }).then((r) => {
      if (r.ok) return r.result;
      throw fromWireError(r.error);
    });
  }

  startClip(frameCount: number): ClipEmotionSession {
    const id = this.nextId++;
    const sent: (RgbFrame | undefined)[] = new Array<RgbFrame | undefined>(frameCount);
    this.worker.postMessage({ type: 'start', id, frameCount } satisfies EngineRequest);
    return {
      add: (position, frame) => {
        if (position < 0 || position >= frameCount || sent[position]) return;
        sent[position] = frame;
        this.worker.postMessage({ type: 'add', id, position, frame } satisfies EngineRequest);
      },
      finish: async (frames) => {
        // Frames that never arrived, or were replaced after arriving, go now.
        const replaced = frames.map((f, i) => (sent[i] === f ? undefined : f));
        const result = await this.call({ type: 'finish', id, replaced });
        if (!result) throw new Error('engine thread: no result');
        return result;
      },
      abandon: () => this.worker.postMessage({ type: 'abandon', id } satisfies EngineRequest),
    };
  }

  async analyze(frames: RgbFrame[]): Promise<ClipEmotion> {
    const clip = this.startClip(frames.length);
    return clip.finish(frames);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
