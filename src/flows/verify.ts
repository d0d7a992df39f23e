/** @module Re-authentication (`/auth/verify`): the password again makes the session fresh. */
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { sessionFingerprint } from '../features/sessions/index.ts';
import { requireOwnPassword } from './credentials.ts';
import { rotateSessionToken } from './manage-sessions.ts';
import type { StartedSession } from './start-session.ts';
import { origin, type Kernel, type Principal, readPresentedPassword } from './kernel.ts';

export function readVerifyInput(body: BodyFields, kernel: Kernel): { password: string } {
  const fields = new FieldCollector();
  const password = readPresentedPassword(fields, kernel, 'password', body.password, 'Password');
  fields.throwIfAny();
  return { password };
}

/**
 * The password again, then a new cookie token for the same session (DESIGN: a new token at every
 * re-authentication): swapped *before* the session is made fresh, so a copy of the old cookie
 * taken before the password was proved is never fresh, not even for an instant. Set the returned
 * session's cookie on the response.
 */
export async function verifyPassword(kernel: Kernel, principal: Principal, password: string, client: ClientInfo): Promise<StartedSession> {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  await requireOwnPassword(kernel, principal.user, principal.session.id, password, client, () => new AuthError('INVALID_CREDENTIALS'));
  const rotated = await rotateSessionToken(kernel, principal);
  const session = rotated.principal.session ?? principal.session;
  const nowMs = kernel.clock.nowMs();
  // Re-binding the fingerprint: the user just proved themselves from this device and network.
  const fingerprint = sessionFingerprint(client);
  await kernel.stores.sessions.updateFreshness(session.id, { freshAtMs: nowMs, fingerprint });
  kernel.emit({ type: 'verify.succeeded', userId: principal.user.id, ...origin(client), atMs: nowMs });
  return { token: rotated.token, principal: { ...rotated.principal, session: { ...session, freshAtMs: nowMs, fingerprint } } };
}
