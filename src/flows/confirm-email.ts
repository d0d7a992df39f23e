/**
 * @module Confirming an address (EMAIL_CONFIRMATION): a single-use, hashed, expiring link bound to
 * the user and to the address it was sent to (its e-mail key). Redeeming it is one conditional
 * write, so of any number of concurrent uses one confirms; a link for an address the account no
 * longer has confirms nothing. Sending (at registration, on request, at a sign-in with the right
 * password) takes from the recipient's mail budget; the resend request answers the same for every
 * address, and its lookup happens off the request.
 */
import { sha256Hex } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import type { LinkRejection } from '../core/events.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey } from '../features/identity/index.ts';
import { opaqueKind } from '../features/tokens/index.ts';
import { checkSecret } from './credentials.ts';
import { origin, type Kernel } from './kernel.ts';
import { sendConfirmation } from './send-confirmation.ts';
import { readEmailAddress } from './sign-up.ts';
import { startSession, type StartedSession } from './start-session.ts';

export const RESEND_MESSAGE = 'If that address has an account waiting for confirmation, a new link is on its way.';
const INVALID_LINK = 'This confirmation link is invalid, used or expired. Ask for a new one.';

/** `POST /auth/confirm/resend`: the shape is checked now (400 for a malformed address); the rest runs off the request. */
export function resendConfirmation(kernel: Kernel, body: BodyFields, client: ClientInfo): { readonly message: string } {
  const fields = new FieldCollector();
  const email = readEmailAddress(fields, 'email', body.email);
  fields.throwIfAny();
  if (kernel.config.identity.confirmation === 'off') return { message: RESEND_MESSAGE };
  kernel.background(async () => {
    const user = await kernel.stores.users.findUserByEmailKey(emailKey(email));
    if (user?.active && user.emailConfirmedAtMs === null) sendConfirmation(kernel, user, 'resend', client);
  });
  return { message: RESEND_MESSAGE };
}

function invalidLink(kernel: Kernel, reason: LinkRejection, client: ClientInfo, userId?: string): AuthError {
  kernel.emit({ type: 'email.confirm_failed', reason, ...(userId ? { userId } : {}), ...origin(client), atMs: kernel.clock.nowMs() });
  return new AuthError('INVALID_INPUT', { fields: { token: INVALID_LINK } });
}

export interface ConfirmedEmail {
  readonly user: UserRecord;
  /** Present when SIGN_IN_ON_CONFIRM signed this browser in. */
  readonly started: StartedSession | null;
}

/**
 * `POST /auth/confirm`: spends the link (atomically), then confirms the address it was sent to —
 * only if the account still has it. Every lookup takes from the client's failure budget, as reset
 * links do; a live link gives it back.
 */
export async function confirmEmail(kernel: Kernel, body: BodyFields, client: ClientInfo): Promise<ConfirmedEmail> {
  const fields = new FieldCollector();
  const token = fields.text('token', body.token, { label: 'Confirmation link', maxLength: 64 });
  fields.throwIfAny();
  if (opaqueKind(token) !== 'confirm') throw invalidLink(kernel, 'malformed', client);
  const tokenHash = sha256Hex(token);
  const nowMs = kernel.clock.nowMs();
  const check = await checkSecret(
    kernel,
    { subject: null, client, honourKnownDevice: false },
    () => kernel.stores.oneTimeTokens.consumeOneTimeToken(tokenHash, 'confirm-email', nowMs),
    (record) => record !== undefined,
  );
  if (check.refused) {
    kernel.emit({ type: 'rate.limited', route: 'confirm', ...origin(client), atMs: nowMs });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  const spent = check.result;
  if (!spent) {
    const found = await kernel.stores.oneTimeTokens.findOneTimeToken(tokenHash);
    if (!found || found.purpose !== 'confirm-email') throw invalidLink(kernel, 'unknown', client);
    throw invalidLink(kernel, found.usedAtMs !== null ? 'used' : 'expired', client, found.userId);
  }
  const user = await kernel.stores.users.findUserById(spent.userId);
  // The account changed its address since the link was sent: the link proves a mailbox it no longer names.
  if (!user || user.emailKey !== spent.binding) throw invalidLink(kernel, 'stale', client, spent.userId);
  if (user.emailConfirmedAtMs === null) {
    if (!(await kernel.stores.users.confirmEmail(user.id, spent.binding, nowMs))) throw invalidLink(kernel, 'stale', client, user.id);
    kernel.caches.users.invalidate(user.id);
    kernel.emit({ type: 'email.confirmed', userId: user.id, ...origin(client), atMs: nowMs });
  }
  // The other links of this address have nothing left to prove.
  await kernel.stores.oneTimeTokens.deleteOneTimeTokensOfUser(user.id, 'confirm-email');
  const confirmed: UserRecord = { ...user, emailConfirmedAtMs: user.emailConfirmedAtMs ?? nowMs };
  const started = kernel.config.identity.signInOnConfirm && confirmed.active ? await startSession(kernel, confirmed, client, false) : null;
  return { user: confirmed, started };
}
