/**
 * @module `POST /auth/change-password` (fresh session): the current password, a new one that
 * passes the policy; every other session and token dies, and this client gets a new session.
 */
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { requireOwnPassword } from './credentials.ts';
import { type Kernel, type Principal, passwordField } from './kernel.ts';
import { setNewPassword } from './set-password.ts';
import { checkNewPassword } from './sign-up.ts';
import { startSession, type StartedSession } from './start-session.ts';

export async function changePassword(kernel: Kernel, principal: Principal, body: BodyFields, client: ClientInfo): Promise<StartedSession> {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  const fields = new FieldCollector();
  const current = fields.text('password', body.password, passwordField(kernel, 'Current password'));
  const next = fields.text('new_password', body.new_password, passwordField(kernel, 'New password'));
  fields.throwIfAny();
  await requireOwnPassword(
    kernel,
    principal.user,
    principal.session.id,
    current,
    client,
    () => new AuthError('INVALID_INPUT', { fields: { password: 'Your current password is not correct' } }),
  );
  await checkNewPassword(kernel, next, { email: principal.user.email, username: principal.user.username }, 'new_password');
  const user = await setNewPassword(kernel, principal.user, next, 'user', client);
  // The new session keeps the level the old one had: changing the password proves no less than before.
  const { aal, amr, factorAtMs } = principal.session;
  return startSession(kernel, user, client, principal.session.remember, false, { aal, amr, factorAtMs });
}
