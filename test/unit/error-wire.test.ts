// The one codec for errors crossing a process or thread boundary (IPC, the engine thread, Redis).
import { serialize, deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  ERROR_TABLE,
  fromWireError,
  RemoteError,
  toErrorShape,
  toWireError,
  type ErrorCode,
} from '../../src/errors.js';
import { decodeFailure, encodeFailure } from '../../src/jobs/queue-protocol.js';

/** Through structured clone (IPC with serialization: 'advanced', worker threads) and through JSON (Redis). */
const viaClone = (err: unknown): Error => fromWireError(deserialize(serialize(toWireError(err))) as never);
const viaJson = (err: unknown): Error => fromWireError(JSON.parse(JSON.stringify(toWireError(err))) as never);

describe('error codec across process boundaries', () => {
  for (const trip of [viaClone, viaJson]) {
    it(`keeps an AppError's code, status, message and headers (${trip.name})`, () => {
      const back = trip(new AppError('overloaded', 'busy now', { 'retry-after': '2' }));
      expect(back).toBeInstanceOf(AppError);
      expect(back).toMatchObject({
        code: 'overloaded',
        status: 503,
        message: 'busy now',
        headers: { 'retry-after': '2' },
      });
    });

    it(`gives every code of the table back with its status (${trip.name})`, () => {
      for (const code of Object.keys(ERROR_TABLE) as ErrorCode[]) {
        const back = trip(new AppError(code)) as AppError;
        expect([back.code, back.status, back.message, back.headers]).toEqual([
          code,
          ERROR_TABLE[code].status,
          ERROR_TABLE[code].message,
          {},
        ]);
      }
    });

    it(`turns an unknown error into a RemoteError with its message (and foreign code) (${trip.name})`, () => {
      const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
      const back = trip(enoent);
      expect(back).not.toBeInstanceOf(AppError);
      expect(back).toBeInstanceOf(RemoteError);
      expect(back).toMatchObject({ message: 'no such file', code: 'ENOENT' });
      expect(trip(new TypeError('x is undefined'))).toMatchObject({
        message: 'x is undefined',
        code: undefined,
      });
      expect(trip('a thrown string')).toMatchObject({ message: 'a thrown string' });
      expect(trip(null)).toMatchObject({ message: 'null' });
      // A code that looks like ours but is not in the table stays foreign.
      expect(trip(Object.assign(new Error('odd'), { code: 'not_a_code' }))).not.toBeInstanceOf(AppError);
    });
  }

  it('encodes no headers for an AppError without any', () => {
    expect(toWireError(new AppError('no_face'))).toEqual({
      code: 'no_face',
      message: ERROR_TABLE.no_face.message,
    });
  });

  it("records a job's error as ours or internal", () => {
    expect(toErrorShape(new AppError('not_a_video', 'nope'))).toEqual({
      code: 'not_a_video',
      message: 'nope',
    });
    expect(toErrorShape(new Error('secret detail'))).toEqual({
      code: 'internal',
      message: 'Internal error while processing the job.',
    });
  });

  it('a BullMQ failedReason with a foreign code or bad JSON is a lost worker (ours: test/unit/webhooks.test.ts)', () => {
    expect(decodeFailure(encodeFailure({ code: 'too_few_frames', message: 'short' })).code).toBe(
      'too_few_frames',
    );
    expect(decodeFailure('emothumb-error:{"code":"ENOENT","message":"x"}')).toMatchObject({
      code: 'worker_lost',
    });
    expect(decodeFailure('emothumb-error:not json')).toMatchObject({ code: 'worker_lost' });
    expect(decodeFailure(undefined).headers).toEqual({ 'retry-after': '2' });
  });
});
