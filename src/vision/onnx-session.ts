import type * as ort from 'onnxruntime-node';

/**
 * onnxruntime's CPU session settings for every ONNX model the pipeline runs (the converted
 * detector, mesh and expression nets, EmotiMesh, the aligned expression net): full graph
 * optimisation; no memory arena (it kept each session's high-water mark for the life of the
 * worker: all service processes idle 405 MB with it, 344 MB without, same speed); and with
 * `threads` a fixed intra-op pool and no inter-op pool (a worker's engine thread keeps to its
 * core; the decoder has the other).
 */
export function onnxSessionOptions(threads?: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    enableCpuMemArena: false,
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}
