/**
 * @module One passkey assertion, verified and used: the credential looked up by its id (and, for a
 * known user, only that user's), the user handle matched, the library's checks against the RP ID
 * and origin from configuration and a challenge we issued for exactly this purpose and binding;
 * then the challenge's single use is claimed and the counter recorded in one conditional write.
 * Callers reserve their attempt (MFA or client budget) before calling.
 */
import type { MfaFailureReason } from '../core/events.ts';
import type { PasskeyRecord } from '../core/stores.ts';
import { claimPasskeyChallenge, verifyPasskeyAssertion, type AuthenticationResponseJSON, type PasskeyChallengePurpose } from '../features/mfa/index.ts';
import type { Kernel } from './kernel.ts';
import type { Verdict } from './second-factor-check.ts';

/** The user handle our registrations give a user's passkeys: the account id's bytes, base64url. */
export const userHandleOf = (userId: string) => Buffer.from(userId, 'utf8').toString('base64url');

export type AssertionOutcome = { readonly ok: true; readonly passkey: PasskeyRecord } | { readonly ok: false; readonly reason: MfaFailureReason };

/**
 * `userId`: the account the assertion must be for (second factor, step-up), or null to let the
 * credential name it (passwordless: then the user handle must be present and match, and user
 * verification is required).
 */
export async function verifyAndUsePasskey(
  kernel: Kernel,
  userId: string | null,
  response: AuthenticationResponseJSON,
  challenge: { readonly purpose: PasskeyChallengePurpose; readonly binding: string },
): Promise<AssertionOutcome> {
  const { rp, challenges, challengeTtlMs } = kernel.mfa.passkeys;
  if (!rp) return { ok: false, reason: 'bad_assertion' };
  const passkey = await kernel.stores.mfa.findPasskeyByCredentialId(response.id);
  if (!passkey || (userId !== null && passkey.userId !== userId)) return { ok: false, reason: 'bad_assertion' };
  const handle = response.response.userHandle;
  if ((userId === null && handle === undefined) || (handle !== undefined && handle !== userHandleOf(passkey.userId))) return { ok: false, reason: 'bad_assertion' };
  const nowMs = kernel.clock.nowMs();
  let challengeId: string | undefined;
  const matches = (presented: string) => {
    challengeId = challenges.read(presented, challenge.purpose, challenge.binding, nowMs)?.id;
    return challengeId !== undefined;
  };
  const verified = await verifyPasskeyAssertion(rp, response, passkey, matches, userId === null);
  if (!verified || challengeId === undefined) return { ok: false, reason: 'bad_assertion' };
  if (!(await claimPasskeyChallenge(kernel.counters, challengeId, challengeTtlMs))) return { ok: false, reason: 'replayed' };
  const used = await kernel.stores.mfa.usePasskey(passkey.userId, passkey.credentialId, { counter: verified.counter, backedUp: verified.backedUp, nowMs });
  if (!used) return { ok: false, reason: 'counter_regressed' };
  return { ok: true, passkey };
}

/** A passkey as the second factor of `userId` (sign-in or step-up). */
export async function verifyPasskeyFactor(
  kernel: Kernel,
  userId: string,
  response: AuthenticationResponseJSON,
  challenge: { readonly purpose: PasskeyChallengePurpose; readonly binding: string },
): Promise<Verdict> {
  const outcome = await verifyAndUsePasskey(kernel, userId, response, challenge);
  return outcome.ok ? { ok: true } : outcome;
}
