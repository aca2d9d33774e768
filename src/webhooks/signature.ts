import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `x-signature` header value for a body: `sha256=<hex HMAC-SHA256 of the exact bytes>`. */
export function signWebhookBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * What a receiver does: recompute the signature over the raw body bytes and compare in
 * constant time (a plain `===` leaks, by its timing, how many leading characters matched).
 *
 * @example
 * if (!verifyWebhookSignature(rawBody, req.headers['x-signature'], secret)) return res.writeHead(401).end();
 */
export function verifyWebhookSignature(
  body: Buffer | string,
  header: string | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
