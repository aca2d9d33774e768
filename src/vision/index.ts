export { createEmotionPipeline } from './pipeline.js';
export type {
  EmotionPipeline,
  EmotionPipelineOptions,
  FrameAnalysis,
  FrameFeatures,
  FaceBox,
} from './pipeline.js';
export { poolClip, steadyFaceSquare, round4 } from './pooling.js';
export type { ClipPrediction, SquareBox } from './pooling.js';
export { EMOTIONS5, FER7, FER7_TO_5, mapFer7To5, isEmotion5 } from './emotions.js';
export type { Emotion5, Probs5 } from './emotions.js';
export {
  loadCalibration,
  identityCalibration,
  fitLogistic,
  featureVector,
  framePosterior,
} from './calibration.js';
export type { Calibration } from './calibration.js';
/** Long side, in pixels, of the frames the pipeline wants from the decoder. */
export const ANALYSIS_MAX_SIDE = 480;
