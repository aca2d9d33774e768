import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Why a callback URL is refused, for the 400's message; undefined when it is fine. */
export type CallbackCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Only ordinary public unicast addresses may receive webhooks (not loopback, private, link-local, metadata...). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  // 'unicast' is what ipaddr.js calls every address outside its special ranges (loopback,
  // private, linkLocal (169.254.0.0/16: the cloud metadata services), uniqueLocal,
  // carrierGradeNat, reserved, multicast, unspecified, 6to4/teredo tunnels...).
  return parsed.range() === 'unicast';
}

/** The syntactic part: an absolute http(s) URL without credentials, of a sane length. */
export function parseCallbackUrl(raw: unknown): CallbackCheck {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000)
    return { ok: false, reason: 'callback_url must be an http(s) URL of at most 2000 characters.' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'callback_url is not a valid URL.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'callback_url must use http or https.' };
  if (url.username || url.password) return { ok: false, reason: 'callback_url must not carry credentials.' };
  return { ok: true, url };
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses URLs that are not http(s), and unless `allowPrivate`, hosts that resolve (any of
 * their addresses) to a non-public address. Checked when the job is accepted, and again when
 * each delivery connects (see deliverer.ts), so that a DNS answer changed in between does not
 * smuggle a private address in.
 */
export async function checkCallbackUrl(
  raw: unknown,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<CallbackCheck> {
  const parsed = parseCallbackUrl(raw);
  if (!parsed.ok || allowPrivate) return parsed;
  const host = parsed.url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return { ok: false, reason: `callback_url's host "${host}" does not resolve.` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `callback_url's host "${host}" does not resolve.` };
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad !== undefined)
    return {
      ok: false,
      reason: `callback_url resolves to ${bad}, a loopback, private, link-local or otherwise non-public address.`,
    };
  return parsed;
}
