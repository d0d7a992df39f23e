/**
 * @module Step-up: a second factor proved on an existing session (`/auth/verify` with a code or a
 * passkey assertion, the first code of a TOTP enrolment, or a first passkey registered) raises it to AAL2 and makes it fresh at both levels — under
 * a new cookie token (a privilege change), swapped before the session is raised, as a password
 * re-authentication is.
 */
import { AuthError } from '../core/errors.ts';
import type { AuthMethod } from '../core/events.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { passkeyAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '../features/mfa/index.ts';
import { sessionFingerprint } from '../features/sessions/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { rotateSessionToken } from './manage-sessions.ts';
import { checkSecondFactor, methodOf, secondFactorFailure, secondFactorMethods, type SecondFactorInput } from './second-factor-check.ts';
import type { StartedSession } from './start-session.ts';

/** The methods with `method` added once, in order (`pwd` + `otp` → `pwd,otp`). */
function withMethod(amr: string, method: AuthMethod): string {
  const methods = amr.split(',').filter(Boolean);
  return methods.includes(method) ? methods.join(',') : [...methods, method].join(',');
}

/** Raises the principal's session to AAL2 now (a second factor was just proved), under a new token. */
export async function raiseSession(kernel: Kernel, principal: Principal, method: AuthMethod, client: ClientInfo): Promise<StartedSession> {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  const rotated = await rotateSessionToken(kernel, principal);
  const session = rotated.principal.session ?? principal.session;
  const nowMs = kernel.clock.nowMs();
  const change = { freshAtMs: nowMs, factorAtMs: nowMs, aal: 2 as const, amr: withMethod(session.amr, method), fingerprint: sessionFingerprint(client) };
  await kernel.stores.sessions.updateFreshness(session.id, change);
  return { token: rotated.token, principal: { ...rotated.principal, session: { ...session, ...change } } };
}

/**
 * `/auth/verify` with `code` (and `method`): the user's second factor, under the MFA budget, raises
 * the session. A user without one is told to enrol (403 MFA_ENROLLMENT_REQUIRED): a code cannot be checked.
 */
export async function stepUp(kernel: Kernel, principal: Principal, input: SecondFactorInput, client: ClientInfo): Promise<StartedSession> {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  const { user } = principal;
  if ((await secondFactorMethods(kernel, user.id)).length === 0) throw new AuthError('MFA_ENROLLMENT_REQUIRED');
  const outcome = await checkSecondFactor(kernel, user.id, input, client, { challenge: { purpose: 'step-up', binding: principal.session.id } });
  if (!outcome.ok) {
    kernel.emit({ type: 'verify.failed', userId: user.id, ...origin(client), atMs: kernel.clock.nowMs() });
    throw secondFactorFailure(outcome);
  }
  const raised = await raiseSession(kernel, principal, methodOf(input.method), client);
  kernel.emit({ type: 'verify.succeeded', userId: user.id, ...origin(client), atMs: kernel.clock.nowMs() });
  return raised;
}

/** Request options for a passkey step-up on this session (`/auth/verify` with `method: passkey`); NOT_FOUND without a passkey. */
export async function stepUpPasskeyOptions(kernel: Kernel, principal: Principal): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  const { rp, challenges } = kernel.mfa.passkeys;
  const passkeys = await kernel.stores.mfa.listPasskeysOfUser(principal.user.id);
  if (!rp || passkeys.length === 0) throw new AuthError('NOT_FOUND');
  const challenge = challenges.issue('step-up', principal.session.id, kernel.clock.nowMs());
  return passkeyAuthenticationOptions(rp, passkeys, challenge.bytes, 'preferred');
}

/**
 * What a principal must still do before a guarded route, under MFA_REQUIRED_ROLES: `enrol` (holds a
 * required role, has no second factor), `step-up` (has one, but this session was made without it),
 * or nothing. Only an AAL1 session of a role holder costs a lookup.
 */
export async function assuranceRequirement(kernel: Kernel, principal: Principal): Promise<'none' | 'enrol' | 'step-up'> {
  const required = kernel.config.mfa.requiredRoles;
  if (required.length === 0 || !principal.authorization.roles.some((role) => required.includes(role))) return 'none';
  if (principal.session?.aal === 2) return 'none';
  if ((await secondFactorMethods(kernel, principal.user.id)).length === 0) return 'enrol';
  return principal.session ? 'step-up' : 'none';
}
