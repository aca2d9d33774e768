import type pg from 'pg';
import type {
  SubjectAnswer,
  SubjectCorrection,
  SubjectCorrectionInput,
  SubjectRefit,
  SubjectRepository,
  SubjectState,
} from '../types.js';

interface PgAnswerRow {
  request_id: string;
  scope: string;
  subject_id: string;
  logits: number[];
  created_at: Date;
  corrected: string | null;
}

type Queryable = Pick<pg.Pool, 'query'>;

/** A subject's corrected answers, in the order they were corrected. */
async function correctionsOf(db: Queryable, scope: string, subjectId: string): Promise<SubjectCorrection[]> {
  const { rows } = await db.query<{ logits: number[]; corrected: string }>(
    `SELECT logits, corrected FROM subject_answers
     WHERE scope = $1 AND subject_id = $2 AND corrected IS NOT NULL ORDER BY corrected_at, request_id`,
    [scope, subjectId],
  );
  return rows.map((r) => ({ logits: r.logits, emotion: r.corrected }));
}

/** The logits of a subject's latest `limit` answers, newest first. */
async function latestAnswers(
  db: Queryable,
  scope: string,
  subjectId: string,
  limit: number,
): Promise<number[][]> {
  const { rows } = await db.query<{ logits: number[] }>(
    `SELECT logits FROM subject_answers WHERE scope = $1 AND subject_id = $2
     ORDER BY created_at DESC, request_id DESC LIMIT $3`,
    [scope, subjectId, limit],
  );
  return rows.map((r) => r.logits);
}

/**
 * Subjects in PostgreSQL, shared by every API node and worker. A correction runs in one
 * transaction holding its subject's row lock (created if need be), so corrections of one
 * subject on several nodes refit one after the other and the last bias saw every correction.
 */
export class PostgresSubjectRepository implements SubjectRepository {
  constructor(private readonly pool: pg.Pool) {}

  async recordAnswer(a: Omit<SubjectAnswer, 'corrected'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO subject_answers (request_id, scope, subject_id, logits, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING`,
      [a.request_id, a.scope, a.subject_id, a.logits, a.created_at],
    );
  }

  async findAnswer(requestId: string): Promise<SubjectAnswer | undefined> {
    const { rows } = await this.pool.query<PgAnswerRow>(
      'SELECT request_id, scope, subject_id, logits, created_at, corrected FROM subject_answers WHERE request_id = $1',
      [requestId],
    );
    const row = rows[0];
    return row ? { ...row, created_at: row.created_at.toISOString() } : undefined;
  }

  async loggedAnswer(
    requestId: string,
    endpoints: readonly string[],
  ): Promise<{ key_id: string | null; client_id: string | null } | undefined> {
    const { rows } = await this.pool.query<{ key_id: string | null; client_id: string | null }>(
      `SELECT key_id, client_id FROM request_log
       WHERE request_id = $1 AND success AND endpoint = ANY($2) LIMIT 1`,
      [requestId, [...endpoints]],
    );
    return rows[0];
  }

  async learning(
    scope: string,
    subjectId: string,
    limit: number,
  ): Promise<{ corrections: SubjectCorrection[]; answers: number[][] } | undefined> {
    const corrections = await correctionsOf(this.pool, scope, subjectId);
    if (corrections.length === 0) return undefined;
    return { corrections, answers: await latestAnswers(this.pool, scope, subjectId, limit) };
  }

  async correct(input: SubjectCorrectionInput, refit: SubjectRefit): Promise<SubjectState | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The subject's row is the lock: created when missing, then held until COMMIT.
      await client.query(
        `INSERT INTO subjects (scope, subject_id, bias, corrections, updated_at)
         VALUES ($1, $2, '{0,0,0,0,0}', 0, $3) ON CONFLICT DO NOTHING`,
        [input.scope, input.subject_id, input.at],
      );
      await client.query('SELECT 1 FROM subjects WHERE scope = $1 AND subject_id = $2 FOR UPDATE', [
        input.scope,
        input.subject_id,
      ]);
      const changed = await client.query(
        `UPDATE subject_answers SET corrected = $1, corrected_at = $2
         WHERE request_id = $3 AND scope = $4 AND subject_id = $5`,
        [input.emotion, input.at, input.request_id, input.scope, input.subject_id],
      );
      if (changed.rowCount === 0) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const corrections = await correctionsOf(client, input.scope, input.subject_id);
      const answers = await latestAnswers(client, input.scope, input.subject_id, input.limit);
      const bias = refit(corrections, answers);
      await client.query(
        'UPDATE subjects SET bias = $3, corrections = $4, updated_at = $5 WHERE scope = $1 AND subject_id = $2',
        [input.scope, input.subject_id, bias, corrections.length, input.at],
      );
      const state = await this.state(client, input.scope, input.subject_id);
      await client.query('COMMIT');
      return state;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async get(scope: string, subjectId: string): Promise<SubjectState | undefined> {
    return this.state(this.pool, scope, subjectId);
  }

  async erase(scope: string, subjectId: string): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Waits for a correction of this subject in progress, which holds the subject's row.
      const subjects = await client.query('DELETE FROM subjects WHERE scope = $1 AND subject_id = $2', [
        scope,
        subjectId,
      ]);
      const answers = await client.query('DELETE FROM subject_answers WHERE scope = $1 AND subject_id = $2', [
        scope,
        subjectId,
      ]);
      await client.query('COMMIT');
      return (subjects.rowCount ?? 0) + (answers.rowCount ?? 0) > 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async state(
    db: Pick<pg.Pool, 'query'>,
    scope: string,
    subjectId: string,
  ): Promise<SubjectState | undefined> {
    const { rows } = await db.query<{
      answers: string;
      corrections: number | null;
      bias: number[] | null;
      updated_at: Date | null;
    }>(
      `SELECT (SELECT COUNT(*) FROM subject_answers a WHERE a.scope = $1 AND a.subject_id = $2) AS answers,
              s.corrections, s.bias, s.updated_at
       FROM (SELECT 1) AS one LEFT JOIN subjects s ON s.scope = $1 AND s.subject_id = $2`,
      [scope, subjectId],
    );
    const row = rows[0]!;
    const answers = Number(row.answers);
    if (row.bias === null && answers === 0) return undefined;
    return {
      scope,
      subject_id: subjectId,
      answers,
      corrections: row.corrections ?? 0,
      bias: row.bias ?? [0, 0, 0, 0, 0],
      updated_at: row.updated_at ? row.updated_at.toISOString() : null,
    };
  }
}
