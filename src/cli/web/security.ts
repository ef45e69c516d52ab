import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../../protocol/errors.js';

/** The header every POST carries the page's token in. */
export const TOKEN_HEADER = 'x-rxbs-token';

/** How the console guards itself, settled once at start. */
export interface SecurityPolicy {
  /** Required on every request (cookie, `?token=` or header) when set. */
  readonly accessToken: string | undefined;
  /** Sent in the page, required in the token header of every POST (the access token when there is one). */
  readonly postToken: string;
  /** Host header values accepted without an access token (DNS rebinding defence). */
  readonly allowedHosts: ReadonlySet<string>;
  /**
   * The cookie that lets a browser that opened `/?token=...` load the page and its event
   * stream; named after the port, since cookies are shared by every port of a host.
   */
  readonly cookie: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{16,200}$/;

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A random token fit for a URL, a header and a cookie. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Decides the policy: a token given is always required; a host other than loopback
 * without one gets a generated token (`generated` says so, to print it).
 */
export function securityPolicy(
  host: string,
  port: number,
  token: string | undefined,
): SecurityPolicy & { generated: boolean } {
  if (token !== undefined && !TOKEN_SHAPE.test(token)) {
    throw new InvalidArgumentError('--token must be 16 to 200 characters of A-Z a-z 0-9 . _ ~ -');
  }
  const generated = token === undefined && !isLoopback(host);
  const accessToken = generated ? generateToken() : token;
  const names = [...LOOPBACK, host].map((name) => (name.includes(':') ? `[${name}]` : name));
  return {
    accessToken,
    postToken: accessToken ?? generateToken(),
    allowedHosts: new Set(names.map((name) => `${name}:${port}`)),
    cookie: `rxbs_token_${port}`,
    generated,
  };
}

/** Compares secrets in constant time. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The access token a request presents: header, cookie or `?token=`. */
function presentedToken(policy: SecurityPolicy, request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const cookie = (request.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${policy.cookie}=`));
  return cookie?.slice(policy.cookie.length + 1) ?? url.searchParams.get('token') ?? undefined;
}

/**
 * Why a request must be refused (status and reason), or undefined to let it through.
 * Every request: the access token when one is set, else a loopback Host header.
 * POSTs also: the page's token in the header and an Origin (if sent) equal to this server.
 */
export function refusal(
  policy: SecurityPolicy,
  request: IncomingMessage,
  url: URL,
): { status: number; reason: string } | undefined {
  const host = request.headers.host ?? '';
  if (policy.accessToken !== undefined) {
    if (!sameSecret(presentedToken(policy, request, url), policy.accessToken)) {
      return { status: 401, reason: 'a token is required (open the URL printed at start)' };
    }
  } else if (!policy.allowedHosts.has(host)) {
    return { status: 421, reason: 'unexpected Host header' };
  }
  if (request.method !== 'POST') return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return { status: 403, reason: 'cross-origin request refused' };
  }
  const header = request.headers[TOKEN_HEADER];
  if (!sameSecret(typeof header === 'string' ? header : undefined, policy.postToken)) {
    return { status: 403, reason: `missing or wrong ${TOKEN_HEADER} header` };
  }
  return undefined;
}
