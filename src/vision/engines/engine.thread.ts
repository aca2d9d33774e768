// Entry point of the engine thread (see threaded-engine.ts): the models run here, on a
// core of their own, while the worker process's main thread drives the decoder.
import '../../polyfills.js';
import { parentPort, workerData } from 'node:worker_threads';

import { toWireError } from '../../errors.js';
import type { RgbFrame } from '../../media/types.js';
import type { ClipProgress } from '../clip-session.js';
import type { ClipEmotionSession, EngineSettings } from './engine.js';
import { createEmotionEngine } from './factory.js';
import type { EngineProgress, EngineReply, EngineRequest } from './threaded-engine.js';

const port = parentPort!;
const ready = createEmotionEngine(workerData as EngineSettings);
ready.catch(() => undefined); // reported to each request
const sessions = new Map<number, { session: ClipEmotionSession; frames: (RgbFrame | undefined)[] }>();

const reply = (message: EngineReply | EngineProgress): void => port.postMessage(message);

port.on('message', (m: EngineRequest) => {
  void (async () => {
    try {
      const engine = await ready;
      if (m.type === 'ready') return reply({ id: m.id, ok: true });
      if (m.type === 'start') {
        const id = m.id;
        // The clip's progress goes back as messages, only what the caller listens to.
        const progress: ClipProgress = {};
        if (m.progress.scored)
          progress.scored = (position, probabilities) =>
            reply({ type: 'scored', id, position, probabilities });
        if (m.progress.firstFace) progress.firstFace = (box) => reply({ type: 'firstFace', id, box });
        sessions.set(id, {
          session: engine.startClip(m.frameCount, progress),
          frames: new Array(m.frameCount),
        });
        return;
      }
      const s = sessions.get(m.id);
      if (!s) return;
      if (m.type === 'add') {
        s.frames[m.position] = m.frame;
        s.session.add(m.position, m.frame);
      } else if (m.type === 'abandon') {
        s.session.abandon();
        sessions.delete(m.id);
      } else {
        sessions.delete(m.id);
        // Positions sent again at the end replace what arrived; the rest are the same objects.
        const final = Array.from({ length: s.frames.length }, (_, i) => m.replaced[i] ?? s.frames[i]);
        if (final.some((f) => f === undefined)) throw new Error('finish: a frame never arrived');
        reply({ id: m.id, ok: true, result: await s.session.finish(final as RgbFrame[]) });
      }
    } catch (err) {
      if (m.type !== 'add' && m.type !== 'start' && m.type !== 'abandon')
        reply({ id: m.id, ok: false, error: toWireError(err) });
      else if (m.type !== 'abandon') sessions.get(m.id)?.session.abandon();
      // A clip that could not start still owes its caller the first face it may wait for.
      if (m.type === 'start' && m.progress.firstFace) reply({ type: 'firstFace', id: m.id, box: null });
    }
  })();
});
