import type Database from 'better-sqlite3';
import type {
  SubjectAnswer,
  SubjectCorrection,
  SubjectCorrectionInput,
  SubjectRefit,
  SubjectRepository,
  SubjectState,
} from '../types.js';

interface AnswerRow {
  request_id: string;
  scope: string;
  subject_id: string;
  logits: string;
  created_at: number;
  corrected: string | null;
}

const toAnswer = (row: AnswerRow): SubjectAnswer => ({
  request_id: row.request_id,
  scope: row.scope,
  subject_id: row.subject_id,
  logits: JSON.parse(row.logits) as number[],
  created_at: new Date(row.created_at).toISOString(),
  corrected: row.corrected,
});

/** Subjects in SQLite: one writer; a correction and its refit are one IMMEDIATE transaction. */
export class SqliteSubjectRepository implements SubjectRepository {
  constructor(private readonly db: Database.Database) {}

  async recordAnswer(a: Omit<SubjectAnswer, 'corrected'>): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO subject_answers (request_id, scope, subject_id, logits, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
      )
      .run(a.request_id, a.scope, a.subject_id, JSON.stringify(a.logits), Date.parse(a.created_at));
  }

  async findAnswer(requestId: string): Promise<SubjectAnswer | undefined> {
    const row = this.db
      .prepare(
        'SELECT request_id, scope, subject_id, logits, created_at, corrected FROM subject_answers WHERE request_id = ?',
      )
      .get(requestId) as AnswerRow | undefined;
    return row ? toAnswer(row) : undefined;
  }

  async loggedAnswer(
    requestId: string,
    endpoints: readonly string[],
  ): Promise<{ key_id: string | null; client_id: string | null } | undefined> {
    if (endpoints.length === 0) return undefined;
    return this.db
      .prepare(
        `SELECT key_id, client_id FROM request_log
         WHERE request_id = ? AND success = 1 AND endpoint IN (${endpoints.map(() => '?').join(', ')}) LIMIT 1`,
      )
      .get(requestId, ...endpoints) as { key_id: string | null; client_id: string | null } | undefined;
  }

  async learning(
    scope: string,
    subjectId: string,
    limit: number,
  ): Promise<{ corrections: SubjectCorrection[]; answers: number[][] } | undefined> {
    const corrections = this.corrections(scope, subjectId);
    if (corrections.length === 0) return undefined;
    return { corrections, answers: this.latestAnswers(scope, subjectId, limit) };
  }

  async correct(input: SubjectCorrectionInput, refit: SubjectRefit): Promise<SubjectState | undefined> {
    const tx = this.db.transaction((): SubjectState | undefined => {
      const changed = this.db
        .prepare(
          `UPDATE subject_answers SET corrected = ?, corrected_at = ?
           WHERE request_id = ? AND scope = ? AND subject_id = ?`,
        )
        .run(input.emotion, input.at.getTime(), input.request_id, input.scope, input.subject_id).changes;
      if (changed === 0) return undefined;
      const corrections = this.corrections(input.scope, input.subject_id);
      const bias = refit(corrections, this.latestAnswers(input.scope, input.subject_id, input.limit));
      this.db
        .prepare(
          `INSERT INTO subjects (scope, subject_id, bias, corrections, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (scope, subject_id) DO UPDATE SET
             bias = excluded.bias, corrections = excluded.corrections, updated_at = excluded.updated_at`,
        )
        .run(input.scope, input.subject_id, JSON.stringify(bias), corrections.length, input.at.getTime());
      return this.state(input.scope, input.subject_id);
    });
    return tx.immediate();
  }

  async get(scope: string, subjectId: string): Promise<SubjectState | undefined> {
    return this.state(scope, subjectId);
  }

  async erase(scope: string, subjectId: string): Promise<boolean> {
    const tx = this.db.transaction((): boolean => {
      const answers = this.db
        .prepare('DELETE FROM subject_answers WHERE scope = ? AND subject_id = ?')
        .run(scope, subjectId).changes;
      const subjects = this.db
        .prepare('DELETE FROM subjects WHERE scope = ? AND subject_id = ?')
        .run(scope, subjectId).changes;
      return answers + subjects > 0;
    });
    return tx.immediate();
  }

  /** A subject's corrected answers, in the order they were corrected. */
  private corrections(scope: string, subjectId: string): SubjectCorrection[] {
    const rows = this.db
      .prepare(
        `SELECT logits, corrected FROM subject_answers
         WHERE scope = ? AND subject_id = ? AND corrected IS NOT NULL ORDER BY corrected_at, request_id`,
      )
      .all(scope, subjectId) as { logits: string; corrected: string }[];
    return rows.map((r) => ({ logits: JSON.parse(r.logits) as number[], emotion: r.corrected }));
  }

  /** The logits of a subject's latest `limit` answers, newest first. */
  private latestAnswers(scope: string, subjectId: string, limit: number): number[][] {
    const rows = this.db
      .prepare(
        `SELECT logits FROM subject_answers WHERE scope = ? AND subject_id = ?
         ORDER BY created_at DESC, request_id DESC LIMIT ?`,
      )
      .all(scope, subjectId, limit) as { logits: string }[];
    return rows.map((r) => JSON.parse(r.logits) as number[]);
  }

  private state(scope: string, subjectId: string): SubjectState | undefined {
    const counts = this.db
      .prepare(
        `SELECT COUNT(*) AS answers, COUNT(corrected) AS corrections FROM subject_answers
         WHERE scope = ? AND subject_id = ?`,
      )
      .get(scope, subjectId) as { answers: number; corrections: number };
    const row = this.db
      .prepare('SELECT bias, corrections, updated_at FROM subjects WHERE scope = ? AND subject_id = ?')
      .get(scope, subjectId) as { bias: string; corrections: number; updated_at: number } | undefined;
    if (!row && counts.answers === 0) return undefined;
    return {
      scope,
      subject_id: subjectId,
      answers: counts.answers,
      corrections: row?.corrections ?? 0,
      bias: row ? (JSON.parse(row.bias) as number[]) : [0, 0, 0, 0, 0],
      updated_at: row ? new Date(row.updated_at).toISOString() : null,
    };
  }
}
