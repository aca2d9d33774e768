// Entry point of a clip worker process: decoding, inference and encoding run here, off the
// server's event loop, and a native crash here costs this process's jobs, not the service.
import '../polyfills.js';

import type { ClipJobRequest, ClipJobResult } from '../jobs/clip-job.types.js';
import { serveJobs } from '../jobs/worker-protocol.js';
import { processClip } from '../services/clip-processor.js';
import type { EngineSettings } from '../vision/engines/engine.js';
import { EngineCache } from '../vision/engines/factory.js';

// The models run in a thread of their own, shared by the clips this process runs at once:
// the decoders and the models share the cores.
const engines = new EngineCache(true);

serveJobs<ClipJobRequest, ClipJobResult, EngineSettings>({
  run: (request, report) => processClip(request, engines, report),
  warmUp: async (engine) => {
    if (engine.model === 'none') return;
    await engines.get(engine);
  },
});
