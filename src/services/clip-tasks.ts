/**
 * What each video task is (predict, thumbnail, analyze), written once: which options it takes
 * and their defaults, what it asks of a worker, and whether its answer is an emotion. The sync
 * and async routes, the OpenAPI document, `ClipService` and `JobLifecycle` all read this table
 * (the HTTP layer adds its own side in `http/tasks.ts`: schemas, parsing, bodies).
 */
import type { ThumbnailRequest } from '../jobs/clip-job.types.js';
import type { JobTask } from '../store/index.js';

export interface ClipTask {
  readonly name: JobTask;
  /**
   * The answer is an emotion: the model always runs (a clip without a face is an error), a still
   * photo is scored as one frame, and a `subject_id` is taken (the answer is then adjusted by its
   * subject's corrections).
   */
  readonly answersEmotion: boolean;
  /** Takes the thumbnail options, with these defaults for the ones not given; absent: none. */
  readonly thumbnail?: Partial<ThumbnailRequest>;
  /** Also takes the thumbnail options nested as `"thumbnail": {...}` in a JSON body (the README's form). */
  readonly nestedThumbnail: boolean;
}

export const CLIP_TASKS: Readonly<Record<JobTask, ClipTask>> = {
  predict: { name: 'predict', answersEmotion: true, nestedThumbnail: false },
  thumbnail: { name: 'thumbnail', answersEmotion: false, thumbnail: {}, nestedThumbnail: false },
  analyze: {
    name: 'analyze',
    answersEmotion: true,
    thumbnail: { anchor: 'peak', crop: 'face' },
    nestedThumbnail: true,
  },
};

export const TASK_NAMES = Object.keys(CLIP_TASKS) as JobTask[];

/** What a task with these thumbnail options asks of a worker. */
export interface TaskWork {
  /** Run the emotion model. */
  predict: boolean;
  /** The model runs only for the thumbnail (a peak anchor or a face crop): a clip without a face is no error. */
  faceOptional: boolean;
  /** A still photo is scored as one frame (else refused: a boomerang needs a video). */
  stills: boolean;
}

export function workOf(task: ClipTask, thumbnail: ThumbnailRequest | undefined): TaskWork {
  const forThumbnail = thumbnail !== undefined && (thumbnail.anchor === 'peak' || thumbnail.crop === 'face');
  if (task.answersEmotion) return { predict: true, faceOptional: false, stills: true };
  return { predict: forThumbnail, faceOptional: forThumbnail, stills: false };
}
