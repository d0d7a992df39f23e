/** @module Logging a verified user in: a brand-new session (never a reused id) and the login event. */
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { issueSession, type SessionAssurance } from '../features/sessions/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { noticeNewDevice } from './new-device-notice.ts';

export interface StartedSession {
  readonly principal: Principal;
  /** The cookie secret; put it in the Set-Cookie header and nowhere else. */
  readonly token: string;
}

/**
 * `announce`: emit `login.succeeded` (not when a session is re-issued after a password change).
 * `assurance`: how the user proved themselves (default: the password alone, AAL1).
 */
export async function startSession(
  kernel: Kernel,
  user: UserRecord,
  client: ClientInfo,
  remember: boolean,
  announce = true,
  assurance?: SessionAssurance,
): Promise<StartedSession> {
  const nowMs = kernel.clock.nowMs();
  const { token, record } = issueSession({
    userId: user.id,
    uniquifier: user.uniquifier,
    remember,
    client,
    nowMs,
    policy: kernel.config.session,
    random: kernel.random,
    ...(assurance ? { assurance } : {}),
  });
  // Also records the login (the user's last login time) in the same write.
  await kernel.stores.sessions.createSession(record);
  const authorization = await kernel.stores.roles.authorizationOfUser(user.id);
  if (announce) {
    kernel.emit({ type: 'login.succeeded', userId: user.id, via: 'session', ...origin(client), atMs: nowMs });
    // The session stands whatever happens to the notice (a counter store hiccup is no failed sign-in).
    await noticeNewDevice(kernel, user, client, nowMs).catch(() => undefined);
  }
  return { token, principal: { user: { ...user, lastLoginAtMs: nowMs }, authorization, via: 'session', session: record } };
}
