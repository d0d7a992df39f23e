/**
 * @module Checking a second factor under the MFA attempt budget: TOTP (once per step), a
 * recovery code (once ever) or a passkey assertion (its challenge once, its counter forward). Every check — at sign-in, step-up or enrolment — reserves its attempt
 * before the code is evaluated; nothing the budget did not grant is evaluated. The budget is
 * separate from the password's (features/mfa/budget.ts).
 */
import { AuthError } from '../core/errors.ts';
import type { AuthMethod, MfaFailureReason } from '../core/events.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { matchTotpStep, normalizeTotpCode, readAuthenticationResponse, recoveryCodeHash, reserveMfaAttempt, type AuthenticationResponseJSON, type PasskeyChallengePurpose } from '../features/mfa/index.ts';
import { verifyPasskeyFactor } from './passkey-assertion.ts';
import { origin, type Kernel } from './kernel.ts';

/** What a second-factor form or JSON body names: `totp`, `recovery_code` or `passkey`. */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

export type SecondFactorInput =
  | { readonly method: 'totp' | 'recovery_code'; readonly code: string }
  /** The assertion (@simplewebauthn/browser's AuthenticationResponseJSON), shape-checked. */
  | { readonly method: 'passkey'; readonly response: AuthenticationResponseJSON };

/**
 * `method` (default `totp`) and `code` — or, for `passkey`, `response` — shape-checked: a
 * malformed one is bad input (400) and spends no attempt.
 */
export function readSecondFactorInput(body: BodyFields): SecondFactorInput {
  const fields = new FieldCollector();
  const method = body.method === undefined || body.method === '' ? 'totp' : body.method;
  if (method !== 'totp' && method !== 'recovery_code' && method !== 'passkey') {
    fields.add('method', 'Method must be totp, recovery_code or passkey');
    fields.throwIfAny();
  }
  if (method === 'passkey') {
    const response = readAuthenticationResponse(body.response);
    if (!response) fields.add('response', 'The passkey answer is missing or malformed');
    fields.throwIfAny();
    return { method, response: response as AuthenticationResponseJSON };
  }
  const raw = fields.text('code', body.code, { label: 'Code', maxLength: 64 });
  fields.throwIfAny();
  const valid = method === 'totp' ? normalizeTotpCode(raw) !== undefined : recoveryCodeHash(raw) !== undefined;
  if (!valid) fields.add('code', method === 'totp' ? 'Enter the 6-digit code from your authenticator app' : 'Enter one of your recovery codes (xxxxx-xxxxx)');
  fields.throwIfAny();
  return { method: method as 'totp' | 'recovery_code', code: raw };
}

export const methodOf = (method: SecondFactorMethod): AuthMethod => (method === 'totp' ? 'otp' : method === 'passkey' ? 'passkey' : 'recovery');

export type Verdict = { ok: true } | { ok: false; reason: MfaFailureReason };

/**
 * The TOTP code against the user's secret: the matched step must be later than the last one
 * used, and is recorded in one conditional write (of racing equal codes, one wins). `confirming`:
 * the secret awaiting its first code (enrolment) instead of the confirmed one. A secret sealed
 * under SECRET_KEY_PREVIOUS is re-sealed under SECRET_KEY once it has been used.
 */
async function verifyTotp(kernel: Kernel, userId: string, code: string, confirming: boolean): Promise<Verdict> {
  const record = await kernel.stores.mfa.findTotp(userId);
  if (!record || (record.confirmedAtMs === null) !== confirming) return { ok: false, reason: 'wrong_code' };
  const opened = kernel.mfa.sealer.open(userId, record.sealedSecret);
  if (!opened) return { ok: false, reason: 'wrong_code' };
  const nowMs = kernel.clock.nowMs();
  const digits = normalizeTotpCode(code) ?? '';
  const step = matchTotpStep(opened.secret, digits, nowMs, record.lastUsedStep);
  if (step === undefined) {
    const replayed = matchTotpStep(opened.secret, digits, nowMs, Number.NEGATIVE_INFINITY) !== undefined;
    return { ok: false, reason: replayed ? 'replayed' : 'wrong_code' };
  }
  if (!(await kernel.stores.mfa.useTotpStep(userId, record.sealedSecret, step, nowMs, confirming))) return { ok: false, reason: 'replayed' };
  if (opened.stale) await kernel.stores.mfa.resealTotp(userId, record.sealedSecret, kernel.mfa.sealer.seal(userId, opened.secret));
  return { ok: true };
}

async function verifyRecoveryCode(kernel: Kernel, userId: string, code: string): Promise<Verdict> {
  const hash = recoveryCodeHash(code);
  if (!hash) return { ok: false, reason: 'wrong_code' };
  return (await kernel.stores.mfa.useRecoveryCode(userId, hash, kernel.clock.nowMs())) ? { ok: true } : { ok: false, reason: 'wrong_code' };
}

export type SecondFactorOutcome = { readonly ok: true } | { readonly ok: false; readonly spent: 'sign_in' | 'account' | null; readonly retryAfterSeconds: number };

/**
 * One second-factor check under the budget. `pendingId`: the pending sign-in it is for (its own
 * budget too). `confirming`: a TOTP enrolment's first code. `challenge`: what a passkey
 * assertion's challenge must have been issued for (the pending sign-in, or the session stepping
 * up). Emits `mfa.succeeded` / `mfa.failed`.
 */
export async function checkSecondFactor(
  kernel: Kernel,
  userId: string,
  input: SecondFactorInput,
  client: ClientInfo,
  options: { pendingId?: string; confirming?: boolean; challenge?: { purpose: PasskeyChallengePurpose; binding: string } } = {},
): Promise<SecondFactorOutcome> {
  const method = methodOf(input.method);
  const at = () => ({ ...origin(client), atMs: kernel.clock.nowMs() });
  const attempt = await reserveMfaAttempt(kernel.counters, kernel.mfa.budget, { userId, ...(options.pendingId ? { pendingId: options.pendingId } : {}) });
  const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  if (!attempt.granted) {
    kernel.emit({ type: 'mfa.failed', userId, method, reason: attempt.reason, ...at() });
    return { ok: false, spent: attempt.reason === 'sign_in_spent' ? 'sign_in' : 'account', retryAfterSeconds: retryAfterSeconds(attempt.retryAfterMs) };
  }
  let verdict: Verdict;
  try {
    if (input.method === 'passkey') {
      verdict = options.challenge ? await verifyPasskeyFactor(kernel, userId, input.response, options.challenge) : { ok: false, reason: 'bad_assertion' };
    } else {
      verdict = input.method === 'totp' ? await verifyTotp(kernel, userId, input.code, options.confirming === true) : await verifyRecoveryCode(kernel, userId, input.code);
    }
  } catch (error) {
    await attempt.abandoned().catch(() => undefined);
    throw error;
  }
  if (verdict.ok) {
    await attempt.succeeded();
    kernel.emit({ type: 'mfa.succeeded', userId, method, ...at() });
    return { ok: true };
  }
  await attempt.failed();
  kernel.emit({ type: 'mfa.failed', userId, method, reason: verdict.reason, ...at() });
  return { ok: false, spent: null, retryAfterSeconds: 0 };
}

/** A refused check as the error a client sees: a wrong code 401, a spent account budget 429. */
export function secondFactorFailure(outcome: Extract<SecondFactorOutcome, { ok: false }>): AuthError {
  if (outcome.spent === 'account') return new AuthError('RATE_LIMITED', { retryAfterSeconds: outcome.retryAfterSeconds });
  if (outcome.spent === 'sign_in') return new AuthError('UNAUTHENTICATED');
  return new AuthError('INVALID_CREDENTIALS');
}

/** The second factors a user can finish a sign-in with (empty: none enrolled); recovery codes only beside a factor. */
export async function secondFactorMethods(kernel: Kernel, userId: string): Promise<SecondFactorMethod[]> {
  const [totp, passkeys] = await Promise.all([kernel.stores.mfa.findTotp(userId), kernel.stores.mfa.listPasskeysOfUser(userId)]);
  const methods: SecondFactorMethod[] = [];
  if (totp && totp.confirmedAtMs !== null) methods.push('totp');
  if (passkeys.length > 0) methods.push('passkey');
  if (methods.length === 0) return methods;
  if ((await kernel.stores.mfa.countRecoveryCodes(userId)) > 0) methods.push('recovery_code');
  return methods;
}
