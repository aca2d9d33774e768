// Entry point of a worker process: decoding, inference and encoding run here, off the
// server's event loop, and a native crash here costs one job, not the service.
import '../polyfills.js';
import workerpool from 'workerpool';
import { processClip, warmUp } from '../services/clip-processor.js';
import type { ClipJobRequest, ClipStage } from './clip-job.types.js';

workerpool.worker({
  processClip: (request: ClipJobRequest) => {
    // Each change of stage goes to the server at once, so that if this process
    // dies in native code the server knows where (the pipe write is synchronous
    // when the channel is idle, as it is between stages).
    let last: ClipStage | undefined;
    return processClip(request, (stage) => {
      if (stage === last) return;
      last = stage;
      workerpool.workerEmit({ stage });
    });
  },
  warmUp: () => warmUp(),
});
