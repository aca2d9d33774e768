// Entry point of the engine thread (see threaded-engine.ts): the models run here, on a
// core of their own, while the worker process's main thread drives the decoder.
import '../../polyfills.js';
import { parentPort, workerData } from 'node:worker_threads';

import { toWireError } from '../../errors.js';
import type { RgbFrame } from '../../media/types.js';
import type { ClipEmotionSession, EngineSettings } from './engine.js';
import { createEmotionEngine } from './factory.js';
import type { EngineReply, EngineRequest } from './threaded-engine.js';

const port = parentPort!;
const ready = createEmotionEngine(workerData as EngineSettings);
ready.catch(() => undefined); // reported to each request
const sessions = new Map<number, { session: ClipEmotionSession; frames: (RgbFrame | undefined)[] }>();

const reply = (message: EngineReply): void => port.postMessage(message);

port.on('message', (m: EngineRequest) => {
  void (async () => {
    try {
      const engine = await ready;
      if (m.type === 'ready') return reply({ id: m.id, ok: true });
      if (m.type === 'start') {
        sessions.set(m.id, { session: engine.startClip(m.frameCount), frames: new Array(m.frameCount) });
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
    }
  })();
});
