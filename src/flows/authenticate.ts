/**
 * @module Turning a request's credentials into a Principal. Mechanisms are tried in one fixed
 * order — token → session → basic — whatever order a route lists them in.
 */
import { sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { evaluateSession } from '../features/sessions/index.ts';
import { checkCredentials, credentialFailure } from './credentials.ts';
import { reserveRateLimit } from './rate-limit.ts';
import { secondFactorMethods } from './second-factor-check.ts';
import { origin, type Kernel, type Mechanism, type Principal } from './kernel.ts';

export const MECHANISM_ORDER: readonly Mechanism[] = ['token', 'session', 'basic'];

/** Validates a session cookie's token; a dead session is deleted on sight. */
export async function authenticateSession(kernel: Kernel, token: string, client: ClientInfo): Promise<Principal | null> {
  if (token.length < 32 || token.length > 128) return null;
  const found = await kernel.stores.sessions.findSessionByTokenHash(sha256Hex(token));
  if (!found) return null;
  const { session, user } = found;
  const nowMs = kernel.clock.nowMs();
  const verdict = evaluateSession(session, user, client, nowMs, kernel.config.session);
  if (!verdict.alive) {
    await kernel.stores.sessions.deleteSession(session.id);
    if (verdict.reason === 'fingerprint') {
      kernel.emit({ type: 'session.protection', userId: user.id, mode: 'strong', ...origin(client), atMs: nowMs });
      kernel.emit({ type: 'session.revoked', userId: user.id, sessionId: session.id, by: 'protection', ...origin(client), atMs: nowMs });
    }
    return null;
  }
  let current = session;
  if (verdict.freshnessLost) {
    kernel.emit({ type: 'session.protection', userId: user.id, mode: 'basic', ...origin(client), atMs: nowMs });
    await kernel.stores.sessions.updateFreshness(session.id, { freshAtMs: 0, graceUntilMs: 0, factorAtMs: 0 });
    current = { ...current, freshAtMs: 0, graceUntilMs: 0, factorAtMs: 0 };
  }
  if (verdict.touch) {
    await kernel.stores.sessions.touchSession(session.id, nowMs);
    current = { ...current, lastSeenAtMs: nowMs };
  }
  const authorization = found.authorization ?? (await kernel.stores.roles.authorizationOfUser(user.id));
  return { user, authorization, via: 'session', session: current };
}

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** Parses `Authorization: Basic …`; undefined when absent or malformed. */
export function parseBasicAuthorization(header: string | null): { identity: string; password: string } | undefined {
  const match = header ? /^Basic ([A-Za-z0-9+/=]{1,2048})$/i.exec(header.trim()) : null;
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = UTF8_STRICT.decode(Buffer.from(match[1], 'base64'));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0 || decoded.includes('\u0000')) return undefined;
  return { identity: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic: the caller is logged in for this one request; no session, no cookie.
 * Wrong credentials are a failed login (audited) and answer 401 like a missing header.
 */
export async function authenticateBasic(kernel: Kernel, header: string | null, client: ClientInfo): Promise<Principal | null> {
  const credentials = parseBasicAuthorization(header);
  if (!credentials) return null;
  const { identity, password } = credentials;
  if (identity.length > 254 || [...password].length > kernel.config.password.maxLength) {
    throw new AuthError('UNAUTHENTICATED');
  }
  // Basic guesses count against the same per-client login limit as the login form.
  const limit = await reserveRateLimit(kernel, 'login', kernel.config.rateLimits.login, client);
  if (!limit.granted) throw new AuthError('RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds });
  const result = await checkCredentials(kernel, identity, password, client, 'basic').catch(async (error: unknown) => {
    await limit.release(); // the check never ran (e.g. the hashing queue was full): no guess was made
    throw error;
  });
  if (!result.ok) {
    // A refusal checked nothing (locked, client budget spent, too many in flight): no guess, no unit.
    if ('retryAfterSeconds' in result) await limit.release();
    const failure = credentialFailure(kernel, identity, result, 'basic', client);
    // Locked: 429 with Retry-After, exactly as the login form would answer; the right password of an
    // unconfirmed account: 403 CONFIRMATION_REQUIRED, as at the login form. Otherwise 401 + challenge.
    if (failure.code === 'RATE_LIMITED' || failure.code === 'CONFIRMATION_REQUIRED') throw failure;
    return null;
  }
  await limit.release();
  // Basic has no second step: an account with a second factor is never signed in by its password alone.
  if ((await secondFactorMethods(kernel, result.user.id)).length > 0) throw new AuthError('MFA_REQUIRED');
  const authorization = await kernel.stores.roles.authorizationOfUser(result.user.id);
  return { user: result.user, authorization, via: 'basic', session: null };
}
