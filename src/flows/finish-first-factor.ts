/**
 * @module The one way from a proved first factor to a signed-in browser. Every first factor —
 * password now; e-mail sign-in, identity providers and passkeys as they come — calls
 * `finishFirstFactor`: a user without a second factor gets a session; a user with one gets only a
 * pending sign-in (its own short-lived cookie, never a session, accepted by no guard) that
 * `completeSecondFactor` turns into a session once a second factor is proved.
 */
import { AuthError } from '../core/errors.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { claimPendingSignIn, passkeyAuthenticationOptions, type FirstFactor, type PublicKeyCredentialRequestOptionsJSON } from '../features/mfa/index.ts';
import { origin, type Kernel } from './kernel.ts';
import { checkSecondFactor, methodOf, secondFactorFailure, secondFactorMethods, type SecondFactorInput, type SecondFactorMethod } from './second-factor-check.ts';
import { startSession, type StartedSession } from './start-session.ts';
import { rememberDevice, useTrustedDevice, type RememberedDevice } from './trusted-devices.ts';

export type { FirstFactor };

/** A sign-in waiting for its second factor: put `token` in the pending cookie and nowhere else. */
export interface PendingSecondFactor {
  readonly token: string;
  readonly methods: readonly SecondFactorMethod[];
  readonly expiresAtMs: number;
}

export type FirstFactorOutcome =
  | { readonly kind: 'session'; readonly started: StartedSession }
  | { readonly kind: 'second-factor'; readonly pending: PendingSecondFactor };

/**
 * `user` has just proved `method` (and is active): a session, or the pending second-factor step.
 * `multiFactor`: the first factor is itself two (a passkey with user verification: possession and
 * a PIN or biometric, NIST SP 800-63B's multi-factor cryptographic authenticator) — the session
 * is AAL2 at once, with no second step. A remembered device (MFA_REMEMBER_DEVICE) skips the step
 * with an AAL1 session whose amr says so (`pwd,device`): it stands in for the factor at sign-in,
 * never for a step-up.
 */
export async function finishFirstFactor(
  kernel: Kernel,
  user: UserRecord,
  client: ClientInfo,
  remember: boolean,
  method: FirstFactor,
  options: { multiFactor?: boolean } = {},
): Promise<FirstFactorOutcome> {
  if (options.multiFactor) {
    const started = await startSession(kernel, user, client, remember, true, { aal: 2, amr: method, factorAtMs: kernel.clock.nowMs() });
    return { kind: 'session', started };
  }
  const methods = await secondFactorMethods(kernel, user.id);
  if (methods.length === 0) return { kind: 'session', started: await startSession(kernel, user, client, remember, true, { aal: 1, amr: method, factorAtMs: 0 }) };
  if (await useTrustedDevice(kernel, user, client)) {
    return { kind: 'session', started: await startSession(kernel, user, client, remember, true, { aal: 1, amr: `${method},device`, factorAtMs: 0 }) };
  }
  const nowMs = kernel.clock.nowMs();
  const { token, pending } = kernel.mfa.pending.create({ userId: user.id, uniquifier: user.uniquifier, remember, firstFactor: method, nowMs });
  kernel.emit({ type: 'mfa.challenged', userId: user.id, via: method, ...origin(client), atMs: nowMs });
  return { kind: 'second-factor', pending: { token, methods, expiresAtMs: pending.expiresAtMs } };
}

/** The pending sign-in's user, or undefined when the token is forged, expired, or the user changed since. */
async function pendingUser(kernel: Kernel, token: string | undefined) {
  const pending = token ? kernel.mfa.pending.read(token, kernel.clock.nowMs()) : undefined;
  if (!pending) return undefined;
  const user = await kernel.stores.users.findUserById(pending.userId);
  if (!user || !user.active || !kernel.mfa.pending.matchesUniquifier(pending, user.uniquifier)) return undefined;
  return { pending, user };
}

/** What the second-factor page offers for this pending sign-in; undefined when there is none (sign in again). */
export async function pendingSecondFactorMethods(kernel: Kernel, token: string | undefined): Promise<readonly SecondFactorMethod[] | undefined> {
  const found = await pendingUser(kernel, token);
  return found ? secondFactorMethods(kernel, found.user.id) : undefined;
}

/**
 * `POST /auth/mfa/verify`: the second factor for a pending sign-in, under its budget and the
 * account's; the session is made only now, once, however many copies of the pending cookie race.
 * UNAUTHENTICATED means the pending sign-in is gone (expired, spent, used, user changed): start over.
 */
export async function completeSecondFactor(
  kernel: Kernel,
  token: string | undefined,
  input: SecondFactorInput,
  client: ClientInfo,
  options: { readonly rememberDevice?: boolean } = {},
): Promise<StartedSession & { readonly device: RememberedDevice | null }> {
  const found = await pendingUser(kernel, token);
  if (!found) throw new AuthError('UNAUTHENTICATED');
  const { pending, user } = found;
  const outcome = await checkSecondFactor(kernel, user.id, input, client, { pendingId: pending.id, challenge: { purpose: 'second-factor', binding: pending.id } });
  if (!outcome.ok) throw secondFactorFailure(outcome);
  if (!(await claimPendingSignIn(kernel.counters, kernel.mfa.budget, pending.id))) throw new AuthError('UNAUTHENTICATED');
  const nowMs = kernel.clock.nowMs();
  const started = await startSession(kernel, user, client, pending.remember, true, { aal: 2, amr: `${pending.firstFactor},${methodOf(input.method)}`, factorAtMs: nowMs });
  // The session stands whatever happens to the mark (MFA_REMEMBER_DEVICE off: none is made).
  const device = options.rememberDevice ? await rememberDevice(kernel, user, client) : null;
  return { ...started, device };
}

/**
 * `POST /auth/mfa/passkey/options`: WebAuthn request options for the pending sign-in `token`,
 * allowing only its user's passkeys, with a challenge bound to this pending sign-in.
 * UNAUTHENTICATED when there is none; NOT_FOUND when passkeys are off or the user has none.
 */
export async function pendingPasskeyOptions(kernel: Kernel, token: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const found = await pendingUser(kernel, token);
  if (!found) throw new AuthError('UNAUTHENTICATED');
  const { rp, challenges } = kernel.mfa.passkeys;
  const passkeys = await kernel.stores.mfa.listPasskeysOfUser(found.user.id);
  if (!rp || passkeys.length === 0) throw new AuthError('NOT_FOUND');
  const challenge = challenges.issue('second-factor', found.pending.id, kernel.clock.nowMs());
  return passkeyAuthenticationOptions(rp, passkeys, challenge.bytes, 'preferred');
}
