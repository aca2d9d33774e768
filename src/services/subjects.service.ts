import { AppError } from '../errors.js';
import { isPrintableId } from '../shared/printable-id.js';
import { CLIP_TASKS, TASK_NAMES } from './clip-tasks.js';
import type { SubjectCorrection, SubjectRepository, SubjectState } from '../store/index.js';
import { EMOTIONS5, type Emotion5 } from '../vision/emotions.js';
import type { ClipPrediction } from '../vision/prediction.js';
import {
  adaptPrediction,
  answerLogits,
  fitSubjectAdjustment,
  SUBJECT_BASELINE_ANSWERS,
  type SubjectExample,
} from '../vision/subject-adaptation.js';

/** The corrections as the fit reads them (an emotion no longer known is left out). */
function examples(corrections: readonly SubjectCorrection[]): SubjectExample[] {
  return corrections
    .map((c): SubjectExample => ({ logits: c.logits, label: EMOTIONS5.indexOf(c.emotion as Emotion5) }))
    .filter((c) => c.label >= 0);
}

/** Who asks: the scope subjects live in, and enough of the key to recognise its own answers. */
export interface SubjectCaller {
  /** `client:<id>` for a client key, `admin` for admin keys (as jobs are scoped). */
  scope: string;
  keyId: string;
  /** A client key's client id (null for admin keys). */
  boundClientId: string | null;
}

/** 400 invalid_subject_id unless 1-200 printable ASCII characters; undefined/empty: none. */
export function parseSubjectId(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !isPrintableId(raw)) throw new AppError('invalid_subject_id');
  return raw;
}

/** The endpoints whose answers can be corrected (the request log's `endpoint`). */
export const ANSWERING_ENDPOINTS: readonly string[] = TASK_NAMES.filter(
  (t) => CLIP_TASKS[t].answersEmotion,
).flatMap((t) => [`/${t}`, `/jobs/${t}`]);

/**
 * Learning each person from their corrections. An answer for a subject is adjusted by the
 * subject's learnt bias (src/vision/subject-adaptation.ts) and its uncorrected numbers are kept,
 * so a later correction can be learnt from; answers without a subject never pass through here.
 * It needs only an answer's five probabilities, so it runs wherever an answer is finished (the
 * API node for the sync endpoints, the node that built an async job's result) and workers know
 * nothing of subjects.
 */
export class SubjectsService {
  constructor(
    private readonly repo: SubjectRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The answer for `subjectId` under `scope`: the uncorrected answer is kept under `requestId`
   * (numbers only), then adjusted by what the subject's corrections and answers so far (this one
   * included) say of them. Without corrections it is the same object.
   */
  async answer<T extends ClipPrediction>(
    scope: string,
    subjectId: string,
    requestId: string,
    prediction: T,
  ): Promise<T> {
    await this.repo.recordAnswer({
      request_id: requestId,
      scope,
      subject_id: subjectId,
      logits: answerLogits(prediction.probabilities),
      created_at: this.now().toISOString(),
    });
    const learnt = await this.repo.learning(scope, subjectId, SUBJECT_BASELINE_ANSWERS);
    if (!learnt) return prediction;
    return adaptPrediction(
      prediction,
      fitSubjectAdjustment({ corrections: examples(learnt.corrections), answers: learnt.answers }),
    );
  }

  /**
   * Records that the answer `requestId` should have been `emotion` and refits its subject.
   * 404 request_not_found unless the caller was given that answer; 422 no_subject when it was
   * given without a subject_id (or its subject has been erased since: nothing of it is kept).
   */
  async feedback(caller: SubjectCaller, requestId: string, emotion: Emotion5): Promise<SubjectState> {
    const notFound = (): AppError =>
      new AppError('request_not_found', `No answer of yours has the request id ${requestId.slice(0, 100)}.`);
    const answer = await this.repo.findAnswer(requestId);
    if (!answer) {
      const logged = await this.repo.loggedAnswer(requestId, ANSWERING_ENDPOINTS);
      const own =
        logged !== undefined &&
        (logged.key_id === caller.keyId ||
          (caller.boundClientId !== null && logged.client_id === caller.boundClientId));
      throw own ? new AppError('no_subject') : notFound();
    }
    if (answer.scope !== caller.scope) throw notFound();
    const state = await this.repo.correct(
      {
        scope: caller.scope,
        subject_id: answer.subject_id,
        request_id: requestId,
        emotion,
        at: this.now(),
        limit: SUBJECT_BASELINE_ANSWERS,
      },
      (corrections, answers) => fitSubjectAdjustment({ corrections: examples(corrections), answers }),
    );
    // Erased between the read and the correction.
    if (!state) throw notFound();
    return state;
  }

  async get(scope: string, subjectId: string): Promise<SubjectState> {
    const state = await this.repo.get(scope, subjectId);
    if (!state) throw new AppError('subject_not_found');
    return state;
  }

  /** Forgets the subject; its later answers are exactly the uncorrected ones. */
  async erase(scope: string, subjectId: string): Promise<void> {
    if (!(await this.repo.erase(scope, subjectId))) throw new AppError('subject_not_found');
  }
}
