// Entry point of a clip worker process: decoding, inference and encoding run here, off the
// server's event loop, and a native crash here costs one job, not the service.
import '../polyfills.js';
import workerpool from 'workerpool';

import type { ClipJobRequest } from '../jobs/clip-job.types.js';
import { stageReporter } from '../jobs/worker-stages.js';
import { processClip } from '../services/clip-processor.js';
import type { EngineSettings } from '../vision/engines/engine.js';
import { EngineCache } from '../vision/engines/factory.js';

// The models run in a thread of their own: the decoder and the models share the cores.
const engines = new EngineCache(true);

workerpool.worker({
  // Each change of stage goes to the server at once: if this process dies in native
  // code, the server knows where.
  processClip: (request: ClipJobRequest) => processClip(request, engines, stageReporter()),
  /** Loads the media bindings and the models now rather than on the first request. */
  warmUp: async (engine: EngineSettings) => {
    if (engine.model === 'none') return;
    await engines.get(engine);
  },
});
