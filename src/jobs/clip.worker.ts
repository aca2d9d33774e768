// Entry point of a worker process: decoding, inference and encoding run here, off the
// server's event loop, and a native crash here costs one job, not the service.
import '../polyfills.js';
import workerpool from 'workerpool';
import { processClip, warmUp } from '../services/clip-processor.js';
import type { ClipJobRequest } from './clip-job.types.js';

workerpool.worker({
  processClip: (request: ClipJobRequest) => processClip(request),
  warmUp: () => warmUp(),
});
