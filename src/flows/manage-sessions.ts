/** @module A user's own sessions: list them (never their tokens), revoke one or all others, give this one a new token. */
import { createSecretToken, sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import type { StartedSession } from './start-session.ts';
import { forgetTrustedDevicesOfUser } from './trusted-devices.ts';

export interface SessionSummary {
  readonly id: string;
  readonly created_at: string;
  readonly last_seen_at: string;
  readonly expires_at: string;
  readonly ip: string;
  readonly user_agent: string;
  readonly current: boolean;
  /** How it was made and stepped up, in order: `["pwd"]`, `["pwd","otp"]`, `["pwd","device"]`, `["passkey"]` … */
  readonly amr: readonly string[];
  /** Its assurance level: 1 (one factor; a remembered device counts as none) or 2 (two factors). */
  readonly aal: 1 | 2;
}

export async function listSessions(kernel: Kernel, principal: Principal): Promise<SessionSummary[]> {
  const nowMs = kernel.clock.nowMs();
  const idleMs = kernel.config.session.idleTimeoutMs;
  const sessions = await kernel.stores.sessions.listSessionsOfUser(principal.user.id);
  return sessions
    .filter((s) => s.expiresAtMs > nowMs && nowMs - s.lastSeenAtMs < idleMs && s.uniquifier === principal.user.uniquifier)
    .map((s) => ({
      id: s.id,
      created_at: new Date(s.createdAtMs).toISOString(),
      last_seen_at: new Date(s.lastSeenAtMs).toISOString(),
      expires_at: new Date(Math.min(s.expiresAtMs, s.lastSeenAtMs + idleMs)).toISOString(),
      ip: s.ip,
      user_agent: s.userAgent,
      current: s.id === principal.session?.id,
      amr: s.amr.split(',').filter(Boolean),
      aal: s.aal,
    }));
}

/** Another user's session id answers exactly like an unknown one: 404. */
export async function revokeSession(kernel: Kernel, principal: Principal, sessionId: string, client: ClientInfo): Promise<void> {
  if (!/^[0-9a-f]{32}$/.test(sessionId)) throw new AuthError('NOT_FOUND');
  const deleted = await kernel.stores.sessions.deleteSessionOfUser(sessionId, principal.user.id);
  if (!deleted) throw new AuthError('NOT_FOUND');
  kernel.emit({ type: 'session.revoked', userId: principal.user.id, sessionId, by: 'user', ...origin(client), atMs: kernel.clock.nowMs() });
}

/** "Sign out everywhere else": every other session ends and every remembered device is forgotten (this browser's too). */
export async function revokeOtherSessions(kernel: Kernel, principal: Principal, client: ClientInfo): Promise<number> {
  await forgetTrustedDevicesOfUser(kernel, principal.user.id, 'user', client);
  const count = await kernel.stores.sessions.deleteSessionsOfUser(principal.user.id, principal.session?.id);
  if (count > 0) {
    kernel.emit({ type: 'session.revoked', userId: principal.user.id, sessionId: '*others*', by: 'user', ...origin(client), atMs: kernel.clock.nowMs() });
  }
  return count;
}

/**
 * A new cookie token for the principal's session (same id, same lifetimes): after the password
 * was proved again, whoever holds a copy of the old cookie holds nothing. The swap is a
 * compare-and-swap on the old hash, so of two requests racing with one old token only one gets a
 * new one; the loser (and a session deleted meanwhile) is UNAUTHENTICATED.
 */
export async function rotateSessionToken(kernel: Kernel, principal: Principal): Promise<StartedSession> {
  const session = principal.session;
  if (!session) throw new AuthError('UNAUTHENTICATED');
  const token = createSecretToken(kernel.random);
  const tokenHash = sha256Hex(token);
  if (!(await kernel.stores.sessions.rotateSessionToken(session.id, session.tokenHash, tokenHash))) throw new AuthError('UNAUTHENTICATED');
  return { token, principal: { ...principal, session: { ...session, tokenHash } } };
}
