/**
 * @module Passwordless sign-in with a passkey (discoverable credential, user verification
 * required). The options carry no allowed credentials and a challenge bound to the browser's
 * pre-session; the assertion is checked under the client's attempt budget, as a login is, and
 * every refusal — unknown credential, bad signature, no UV, another browser's or a used challenge,
 * a counter gone backwards — answers the same 401. The user then goes the way of every first
 * factor (finishFirstFactor): deactivated and unconfirmed accounts, MFA_REQUIRED_ROLES, the
 * new-device notice. A passkey with UV is two factors in one: the session is AAL2 (docs/mfa.md).
 */
import { AuthError } from '../core/errors.ts';
import { readFlag, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { awaitsConfirmation } from '../features/identity/index.ts';
import { passkeyAuthenticationOptions, readAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '../features/mfa/index.ts';
import { checkSecret, credentialFailure } from './credentials.ts';
import { finishFirstFactor, type FirstFactorOutcome } from './finish-first-factor.ts';
import { origin, type Kernel } from './kernel.ts';
import { verifyAndUsePasskey } from './passkey-assertion.ts';
import { relyingParty } from './passkeys.ts';

/** What the challenge is bound to: the browser's pre-session (its id stays inside the MAC, never in the challenge). */
const bindingOf = (preSessionId: string) => `pre:${preSessionId}`;

/** `POST /auth/passkeys/login/options`: any discoverable passkey of this site, user verification required. */
export async function passwordlessOptions(kernel: Kernel, preSessionId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rp = relyingParty(kernel);
  const challenge = kernel.mfa.passkeys.challenges.issue('passwordless', bindingOf(preSessionId), kernel.clock.nowMs());
  return passkeyAuthenticationOptions(rp, undefined, challenge.bytes, 'required');
}

type Verdict = { readonly ok: true; readonly user: UserRecord } | { readonly ok: false; readonly reason: 'bad_assertion' | 'inactive' };

/** `POST /auth/passkeys/login`: `response` (and optional `remember`) from the browser holding `preSessionId`. */
export async function signInWithPasskey(kernel: Kernel, body: BodyFields, client: ClientInfo, preSessionId: string | undefined): Promise<FirstFactorOutcome> {
  relyingParty(kernel);
  const response = readAuthenticationResponse(body.response);
  if (!response) throw new AuthError('INVALID_INPUT', { fields: { response: 'The passkey answer is missing or malformed' } });
  // No account is named before the check: only the client's budget applies (a stranger's bad
  // assertions must not lock the owner's password out), and it is spent on every failure.
  const check = await checkSecret<Verdict>(
    kernel,
    { subject: null, client, honourKnownDevice: false },
    async () => {
      if (preSessionId === undefined) return { ok: false, reason: 'bad_assertion' };
      const outcome = await verifyAndUsePasskey(kernel, null, response, { purpose: 'passwordless', binding: bindingOf(preSessionId) });
      if (!outcome.ok) return { ok: false, reason: 'bad_assertion' };
      const user = await kernel.stores.users.findUserById(outcome.passkey.userId);
      if (!user) return { ok: false, reason: 'bad_assertion' };
      return user.active ? { ok: true, user } : { ok: false, reason: 'inactive' };
    },
    (verdict) => verdict.ok,
  );
  const identity = 'passkey';
  if (check.refused) {
    kernel.emit({ type: 'login.failed', identity, reason: check.reason, via: 'session', ...origin(client), atMs: kernel.clock.nowMs() });
    throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  }
  const verdict = check.result;
  if (!verdict.ok) throw credentialFailure(kernel, identity, { ok: false, reason: verdict.reason === 'inactive' ? 'inactive' : 'bad_assertion' }, 'session', client);
  const { user } = verdict;
  if (awaitsConfirmation(kernel.config.identity.confirmation, user)) {
    throw credentialFailure(kernel, user.email, { ok: false, reason: 'unconfirmed', user }, 'session', client);
  }
  return finishFirstFactor(kernel, user, client, readFlag(body.remember), 'passkey', { multiFactor: true });
}
