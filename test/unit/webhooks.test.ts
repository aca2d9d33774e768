import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCallbackUrl,
  isPublicAddress,
  parseCallbackUrl,
  type Resolver,
} from '../../src/webhooks/callback-url.js';
import { signWebhookBody, verifyWebhookSignature } from '../../src/webhooks/signature.js';
import {
  attemptsWithin,
  retryDelayMs,
  WebhookDeliverer,
  type DeliveryAttempt,
} from '../../src/webhooks/deliverer.js';
import { decodeFailure, decodeResult, encodeFailure, encodeResult } from '../../src/jobs/queue-protocol.js';
import { parseConfig } from '../../src/config/config.js';
import { parseIdempotencyKey } from '../../src/services/jobs.service.js';

describe('webhook signatures', () => {
  it('is sha256=<hex HMAC-SHA256 of the exact body bytes>', () => {
    const body = '{"job_id":"x"}';
    const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(signWebhookBody(body, 's3cret')).toBe(`sha256=${hex}`);
  });
  it('verifies only the same bytes under the same secret', () => {
    const sig = signWebhookBody('abc', 'k');
    expect(verifyWebhookSignature('abc', sig, 'k')).toBe(true);
    expect(verifyWebhookSignature('abd', sig, 'k')).toBe(false);
    expect(verifyWebhookSignature('abc', sig, 'other')).toBe(false);
    expect(verifyWebhookSignature('abc', sig.slice(0, -1), 'k')).toBe(false);
    expect(verifyWebhookSignature('abc', undefined, 'k')).toBe(false);
  });
});

describe('webhook retries', () => {
  it('back off 1 s, 2 s, 4 s ... at most 60 s apart, within WEBHOOK_RETRY_SECONDS', () => {
    expect([1, 2, 3, 6, 7, 8, 20].map(retryDelayMs)).toEqual([
      1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect(attemptsWithin(0)).toBe(1);
    expect(attemptsWithin(1)).toBe(2);
    expect(attemptsWithin(7)).toBe(4); // 1 + 2 + 4
    // The first attempt, 6 retries 1 s .. 32 s apart (63 s), then 8 more 60 s apart (543 s in all).
    expect(attemptsWithin(600)).toBe(15);
  });
});

describe('callback URL checks (SSRF)', () => {
  it('classifies addresses: only public unicast passes', () => {
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.5',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00:ec2::254',
      'fe80::1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });
  it('accepts only absolute http(s) URLs without credentials', () => {
    expect(parseCallbackUrl('https://example.com/hook').ok).toBe(true);
    for (const bad of ['ftp://x/y', 'javascript:alert(1)', '/relative', 'https://u:p@example.com/', 42, ''])
      expect(parseCallbackUrl(bad).ok, String(bad)).toBe(false);
  });
  it('refuses a host when any of its addresses is not public, unless private addresses are allowed', async () => {
    const resolver = async (host: string) =>
      ({ 'ok.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.0.0.1'] })[host] ?? [];
    expect((await checkCallbackUrl('http://ok.test/h', false, resolver)).ok).toBe(true);
    expect((await checkCallbackUrl('http://mixed.test/h', false, resolver)).ok).toBe(false);
    expect((await checkCallbackUrl('http://nowhere.test/h', false, resolver)).ok).toBe(false);
    expect((await checkCallbackUrl('http://[::1]:8080/h', false, resolver)).ok).toBe(false);
    expect((await checkCallbackUrl('http://127.0.0.1/h', true, resolver)).ok).toBe(true);
  });
});

describe('callback hosts checked again when the delivery connects (DNS rebinding)', () => {
  let receiver: Server;
  let port: number;
  let received = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received++;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  /** One delivery with no retry: its attempts and how it ended. */
  async function deliverOnce(url: string, allowPrivate: boolean, resolver: Resolver) {
    const attempts: DeliveryAttempt[] = [];
    const outcome = await new Promise<'delivered' | 'gave_up'>((done) => {
      const deliverer = new WebhookDeliverer({
        secret: 's3cret',
        allowPrivate,
        retrySeconds: 0,
        attemptTimeoutMs: 5000,
        resolver,
        onAttempt: async (a) => void attempts.push(a),
        onDone: done,
      });
      void deliverer.deliver('job-1', url, { job_id: 'job-1', status: 'succeeded' });
    });
    return { attempts, outcome };
  }

  it('does not deliver to a host that was public when the job was submitted and is 127.0.0.1 when it is delivered', async () => {
    // The attacker's DNS answers a public address to the submission check, then loopback.
    let answer = ['93.184.216.34'];
    const resolver: Resolver = async (host) => (host === 'rebind.test' ? answer : []);
    const url = `http://rebind.test:${port}/hook`;
    expect(await checkCallbackUrl(url, false, resolver)).toMatchObject({ ok: true });

    received = 0;
    for (const rebound of [['127.0.0.1'], ['93.184.216.34', '127.0.0.1'], ['::ffff:127.0.0.1']]) {
      answer = rebound;
      const { attempts, outcome } = await deliverOnce(url, false, resolver);
      expect(outcome, rebound.join()).toBe('gave_up');
      expect(attempts, rebound.join()).toEqual([
        expect.objectContaining({
          attempt: 1,
          ok: false,
          statusCode: null,
          error: `refused non-public address ${rebound.at(-1)}`,
        }),
      ]);
    }
    expect(received).toBe(0);
  });

  it('reaches that receiver through the same resolver when private addresses are allowed (the guard stops it above, not the set-up)', async () => {
    const resolver: Resolver = async (host) => (host === 'rebind.test' ? ['127.0.0.1'] : []);
    received = 0;
    const { attempts, outcome } = await deliverOnce(`http://rebind.test:${port}/hook`, true, resolver);
    expect(outcome).toBe('delivered');
    expect(attempts).toEqual([
      expect.objectContaining({ attempt: 1, ok: true, statusCode: 204, error: null }),
    ]);
    expect(received).toBe(1);
  });
});

describe('what crosses Redis', () => {
  it('carries a thumbnail as base64 and back', () => {
    const result = {
      video: {} as never,
      thumbnail: {
        data: Buffer.from([0, 1, 2, 255]),
        format: 'mp4' as const,
        mimeType: 'video/mp4',
        width: 2,
        height: 2,
        fps: 10,
        frames: 3,
        durationSec: 0.3,
      },
      timings: { decode: 3 },
    };
    const back = decodeResult(encodeResult(result));
    expect(back.thumbnail!.data.equals(result.thumbnail.data)).toBe(true);
    expect(back.timings).toEqual({ decode: 3 });
  });
  it("keeps a failure's code; anything else from BullMQ is a lost worker", () => {
    expect(decodeFailure(encodeFailure({ code: 'not_a_video', message: 'nope' }))).toMatchObject({
      code: 'not_a_video',
      status: 422,
      message: 'nope',
    });
    expect(decodeFailure('job stalled more than allowable limit')).toMatchObject({
      code: 'worker_lost',
      status: 503,
    });
  });
});

describe('scale-out settings', () => {
  it('defaults to one process with every role', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ role: 'all', redisUrl: undefined, jobTtlHours: 24, jobAttempts: 2 });
  });
  it('needs REDIS_URL for the api and worker roles, and DATABASE_URL with REDIS_URL', () => {
    expect(() => parseConfig({ ROLE: 'api' })).toThrow(/ROLE=api needs REDIS_URL/);
    expect(() => parseConfig({ ROLE: 'worker', REDIS_URL: 'redis://r:6379' })).toThrow(
      /REDIS_URL needs DATABASE_URL/,
    );
    expect(() => parseConfig({ ROLE: 'boss' })).toThrow(/ROLE must be/);
    expect(
      parseConfig({ ROLE: 'worker', REDIS_URL: 'redis://r:6379', DATABASE_URL: 'postgres://p/db' }).role,
    ).toBe('worker');
  });
  it('checks an Idempotency-Key', () => {
    expect(parseIdempotencyKey(undefined)).toBeNull();
    expect(parseIdempotencyKey(' abc-1 ')).toBe('abc-1');
    expect(() => parseIdempotencyKey('has space')).toThrow();
    expect(() => parseIdempotencyKey('x'.repeat(201))).toThrow();
  });
});
