import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../errors.js';
import { parseSubjectId, type SubjectsService } from '../../services/subjects.service.js';
import type { SubjectState } from '../../store/index.js';
import { EMOTIONS5, type Emotion5 } from '../../vision/emotions.js';
import { round4 } from '../prediction-body.js';
import { errorResponses, FeedbackBody, securedHeaders, SubjectResponse } from '../schemas.js';
import { jobCallerOf } from './jobs.routes.js';

/**
 * The scope a caller's subjects live in, as for jobs: `client:<id>` for a client key (every key
 * of one client shares it), `admin` for admin keys (admins have subjects of their own and do not
 * see clients').
 */
export function subjectScopeOf(request: FastifyRequest): string {
  return jobCallerOf(request).owner;
}

/** "sad", "SAD" and "Sad" are Sad; anything else is 400 invalid_emotion. */
function parseEmotion(raw: unknown): Emotion5 {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const emotion = EMOTIONS5.find((e) => e.toLowerCase() === text);
  if (!emotion) throw new AppError('invalid_emotion');
  return emotion;
}

function subjectBody(s: SubjectState) {
  return {
    subject_id: s.subject_id,
    corrections: s.corrections,
    answers: s.answers,
    bias: Object.fromEntries(EMOTIONS5.map((e, k) => [e, round4(s.bias[k] ?? 0)])),
    updated_at: s.updated_at,
  };
}

const SubjectParams = Type.Object({
  id: Type.String({ description: 'The subject_id the answers were asked with' }),
});

/** POST /feedback, GET and DELETE /subjects/<id>: learning each person from their corrections. */
export async function subjectRoutes(
  app: FastifyInstance,
  options: { subjects: SubjectsService },
): Promise<void> {
  const { subjects } = options;

  app.post(
    '/feedback',
    {
      schema: {
        operationId: 'feedback',
        summary: "Correct an answer given for a subject: the subject's later answers learn from it",
        description:
          'request_id is the x-request-id of a /predict or /analyze answer (of a job: of its POST /jobs/...) asked with a subject_id. A second correction of the same answer replaces the first. Answers the subject as stored now.',
        headers: securedHeaders,
        body: FeedbackBody,
        response: { 200: SubjectResponse, ...errorResponses(400, 401, 404, 422, 429, 500) },
      },
    },
    async (request) => {
      const body = request.body as Record<string, unknown>;
      const unknown = Object.keys(body).find((k) => k !== 'request_id' && k !== 'emotion');
      if (unknown !== undefined)
        throw new AppError(
          'invalid_request',
          `Unknown field "${unknown}". Known fields: request_id, emotion.`,
        );
      const requestId = body.request_id;
      if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 200)
        throw new AppError('invalid_request', '"request_id" must be the x-request-id of an answer.');
      const emotion = parseEmotion(body.emotion);
      const caller = request.caller!;
      const state = await subjects.feedback(
        { scope: subjectScopeOf(request), keyId: caller.keyId, boundClientId: caller.boundClientId },
        requestId,
        emotion,
      );
      return subjectBody(state);
    },
  );

  app.get(
    '/subjects/:id',
    {
      schema: {
        operationId: 'getSubject',
        summary: 'What is stored for a subject: numbers only (corrections, the learnt bias)',
        headers: securedHeaders,
        params: SubjectParams,
        response: { 200: SubjectResponse, ...errorResponses(400, 401, 404, 429, 500) },
      },
    },
    async (request) => {
      const id = parseSubjectId((request.params as { id: string }).id) ?? '';
      return subjectBody(await subjects.get(subjectScopeOf(request), id));
    },
  );

  app.delete(
    '/subjects/:id',
    {
      schema: {
        operationId: 'deleteSubject',
        summary: "Erase a subject: its corrections, its bias and its kept answers' numbers",
        description: "The subject's later answers are exactly the uncorrected ones again.",
        headers: securedHeaders,
        params: SubjectParams,
        response: {
          204: Type.Null({ description: 'Erased' }),
          ...errorResponses(400, 401, 404, 429, 500),
        },
      },
    },
    async (request, reply) => {
      const id = parseSubjectId((request.params as { id: string }).id) ?? '';
      await subjects.erase(subjectScopeOf(request), id);
      return reply.code(204).send();
    },
  );
}
