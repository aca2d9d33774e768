import { createHash, randomBytes } from 'node:crypto';

/** Every key we issue starts with this, so leaked keys are easy to spot (and to redact). */
export const API_KEY_PREFIX = 'et_';

/** 32 random bytes, base64url: 256 bits, so a plain SHA-256 (no salt, no KDF) is enough to store it. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 hex of a key's plaintext. Keys are looked up by this hash, so a lookup
 * never compares secret material byte by byte against user input.
 *
 * @example
 * const record = await store.keys.findActiveByHash(hashApiKey(req.headers['x-api-key']));
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const ISSUED_KEY = /et_[A-Za-z0-9_-]{43}/g;

/** Defence in depth for the request log: a key pasted into a path or message is masked. */
export function redactApiKeys(text: string): string;
export function redactApiKeys(text: string | null): string | null;
export function redactApiKeys(text: string | null): string | null {
  if (text === null || !text.includes(API_KEY_PREFIX)) return text;
  return text.replace(ISSUED_KEY, `${API_KEY_PREFIX}[redacted]`);
}

/** Key ids are short and shown to operators; they are not secrets. */
export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}
