/**
 * The aligned expression model's output order (its `label` output): FER7's classes in another
 * order. Apart from the model so that the calibration (loaded by every process) does not load
 * onnxruntime.
 */
export const ALIGNED_CLASSES = [
  'angry',
  'disgust',
  'fearful',
  'happy',
  'neutral',
  'sad',
  'surprised',
] as const;
