import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { fromWireError, type WireError } from '../../errors.js';
import type { RgbFrame } from '../../media/types.js';
import type { ClipProgress } from '../clip-session.js';
import { ANALYSIS_MAX_SIDE } from '../sizes.js';
import type { ClipEmotion, ClipEmotionSession, EmotionEngine, EngineSettings } from './engine.js';

/** Messages to the engine thread. */
export type EngineRequest =
  | { type: 'ready'; id: number }
  | { type: 'start'; id: number; frameCount: number; progress: { scored: boolean; firstFace: boolean } }
  | { type: 'add'; id: number; position: number; frame: RgbFrame }
  | { type: 'finish'; id: number; replaced: (RgbFrame | undefined)[] }
  | { type: 'abandon'; id: number };

/** What the engine thread tells of a clip while it is analysed (see `ClipProgress`). */
export type EngineProgress =
  | { type: 'scored'; id: number; position: number; probabilities: number[] }
  | { type: 'firstFace'; id: number; box: { x: number; y: number; width: number; height: number } | null };

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
  private readonly listeners = new Map<number, ClipProgress>();
  /** Clips whose caller waits for a first face: the thread keeps the process alive until it comes. */
  private readonly facesOwed = new Set<number>();
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
    this.worker.on('message', (r: EngineReply | EngineProgress) => {
      if ('type' in r) return this.tell(r);
      const w = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      // An idle thread does not keep the process alive; one with an answer owed does.
      this.unrefWhenIdle();
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
      // A cover waiting for a first face gets none.
      for (const [id] of this.listeners) this.tell({ type: 'firstFace', id, box: null });
      this.listeners.clear();
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

  /** An idle thread (no answer owed, no first face awaited) does not keep the process alive. */
  private unrefWhenIdle(): void {
    if (this.waiting.size === 0 && this.facesOwed.size === 0) this.worker.unref();
  }

  private owesNoFace(id: number): void {
    if (this.facesOwed.delete(id)) this.unrefWhenIdle();
  }

  /** A progress message to its clip's listener (a listener's failure stays its own). */
  private tell(m: EngineProgress): void {
    const listener = this.listeners.get(m.id);
    if (m.type === 'firstFace') this.owesNoFace(m.id);
    try {
      if (m.type === 'scored') listener?.scored?.(m.position, m.probabilities);
      else listener?.firstFace?.(m.box);
    } catch {
      // ignored on purpose: progress is a hint
    }
  }

  startClip(frameCount: number, progress?: ClipProgress): ClipEmotionSession {
    const id = this.nextId++;
    const sent: (RgbFrame | undefined)[] = new Array<RgbFrame | undefined>(frameCount);
    if (progress) this.listeners.set(id, progress);
    if (progress?.firstFace) {
      this.facesOwed.add(id);
      this.worker.ref();
    }
    const wants = { scored: progress?.scored !== undefined, firstFace: progress?.firstFace !== undefined };
    this.worker.postMessage({ type: 'start', id, frameCount, progress: wants } satisfies EngineRequest);
    const done = (): void => {
      this.listeners.delete(id);
      this.owesNoFace(id);
    };
    return {
      add: (position, frame) => {
        if (position < 0 || position >= frameCount || sent[position]) return;
        sent[position] = frame;
        this.worker.postMessage({ type: 'add', id, position, frame } satisfies EngineRequest);
      },
      finish: async (frames) => {
        // Frames that never arrived, or were replaced after arriving, go now.
        const replaced = frames.map((f, i) => (sent[i] === f ? undefined : f));
        const result = await this.call({ type: 'finish', id, replaced }).finally(done);
        if (!result) throw new Error('engine thread: no result');
        return result;
      },
      abandon: () => {
        done();
        this.worker.postMessage({ type: 'abandon', id } satisfies EngineRequest);
      },
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
