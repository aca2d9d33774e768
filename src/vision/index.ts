export { createEmotionPipeline } from './pipeline.js';
export type {
  EmotionPipeline,
  EmotionPipelineOptions,
  FrameAnalysis,
  FrameFeatures,
  FaceBox,
} from './pipeline.js';
export { FACE_SQUARE_SCALE, poolClip, steadyFaceSquare } from './pooling.js';
export type { SquareBox } from './pooling.js';
export type { ClipPrediction, FractionRect, Prediction, TimelinePoint } from './prediction.js';
export { createEmotionEngine, EngineCache } from './engines/factory.js';
export type { ClipEmotion, EmotionEngine, EngineModel, EngineSettings } from './engines/engine.js';
export { DEFAULT_MODEL_NAME } from './engines/default-engine.js';
export { EMOTIONS5, FER7, FER7_TO_5, mapFer7To5, isEmotion5, expressiveness } from './emotions.js';
export type { Emotion5, Probs5 } from './emotions.js';
export { loadCalibration, identityCalibration, featureVector, framePosterior } from './calibration.js';
export type { Calibration } from './calibration.js';
export { ANALYSIS_MAX_SIDE } from './sizes.js';
