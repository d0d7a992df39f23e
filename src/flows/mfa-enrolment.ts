/**
 * @module Managing one's own second factors (routes guarded by a fresh login): TOTP set up with
 * a QR code and the secret as text, confirmed by a first code; recovery codes shown once; removal.
 * The secret is sealed before it is stored; codes are stored hashed.
 */
import { AuthError } from '../core/errors.ts';
import type { BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import { createRecoveryCodes, createTotpSecret, qrCodeSvg, recoveryCodeHash, totpKeyUri, totpSecretText } from '../features/mfa/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { checkSecondFactor, readSecondFactorInput, secondFactorFailure, secondFactorMethods } from './second-factor-check.ts';
import type { StartedSession } from './start-session.ts';
import { raiseSession } from './step-up.ts';
import { forgetTrustedDevicesOfUser } from './trusted-devices.ts';

/** A passkey as the API lists it (API.md "Multi-factor"). */
export interface PasskeySummary {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  readonly last_used: string | null;
}

export interface MfaStatus {
  readonly totp: boolean;
  readonly passkeys: readonly PasskeySummary[];
  readonly recovery_codes_left: number;
}

export interface TotpSetup {
  /** Base32, for typing into an authenticator app. Shown during enrolment only. */
  readonly secret: string;
  readonly otpauth_url: string;
  /** An SVG document (no script). */
  readonly qr_svg: string;
}

type FactorChange = 'enrolled' | 'removed' | 'app-removed' | 'codes' | 'reset' | 'passkey-added' | 'passkey-removed';

const CHANGE_TEXT: Record<FactorChange, { subject: string; text: string }> = {
  enrolled: { subject: 'Two-step sign-in was turned on', text: 'An authenticator app was added to your account: signing in now asks for a code from it after your password.' },
  removed: { subject: 'Two-step sign-in was turned off', text: 'The authenticator app was removed from your account: you now sign in with your password alone.' },
  'app-removed': { subject: 'An authenticator app was removed from your account', text: 'The authenticator app was removed from your account; your passkeys still sign you in.' },
  'passkey-added': { subject: 'A passkey was added to your account', text: 'A passkey was added to your account: it can now be used to sign in.' },
  'passkey-removed': { subject: 'A passkey was removed from your account', text: 'A passkey was removed from your account: it can no longer be used to sign in.' },
  codes: { subject: 'New recovery codes were made', text: 'New recovery codes were made for your account; the earlier ones no longer work.' },
  reset: {
    subject: 'Your two-step sign-in was turned off',
    text: 'An administrator removed the second factors of your account: you now sign in with your password alone.',
  },
};

/** The security mail of a change to the user's second factors (sent off the request; never a code or secret). */
export function notifyFactorChange(kernel: Kernel, email: string, change: FactorChange): void {
  const { subject, text } = CHANGE_TEXT[change];
  kernel.sendMail({
    to: email,
    subject,
    text: `${text}\n\nIf this was not you, change your password and review two-step sign-in on your account: ${kernel.config.publicOrigin}${kernel.config.pages.mfaSetup}\n`,
  });
}

export async function listPasskeys(kernel: Kernel, principal: Principal): Promise<PasskeySummary[]> {
  const passkeys = await kernel.stores.mfa.listPasskeysOfUser(principal.user.id);
  return passkeys.map((passkey) => ({
    id: passkey.id,
    name: passkey.name,
    created: new Date(passkey.createdAtMs).toISOString(),
    last_used: passkey.lastUsedAtMs === null ? null : new Date(passkey.lastUsedAtMs).toISOString(),
  }));
}

export async function mfaStatus(kernel: Kernel, principal: Principal): Promise<MfaStatus> {
  const userId = principal.user.id;
  const [totp, passkeys, left] = await Promise.all([kernel.stores.mfa.findTotp(userId), listPasskeys(kernel, principal), kernel.stores.mfa.countRecoveryCodes(userId)]);
  return { totp: totp?.confirmedAtMs != null, passkeys, recovery_codes_left: left };
}

/** A new secret awaiting its first code (replacing an unconfirmed one); 400 while a confirmed one exists. */
export async function setUpTotp(kernel: Kernel, principal: Principal): Promise<TotpSetup> {
  const { user } = principal;
  const secret = createTotpSecret(kernel.random);
  const saved = await kernel.stores.mfa.saveUnconfirmedTotp(user.id, kernel.mfa.sealer.seal(user.id, secret), kernel.clock.nowMs());
  if (!saved) throw new AuthError('INVALID_INPUT', { message: 'An authenticator app is already set up: remove it first' });
  const otpauthUrl = totpKeyUri(kernel.config.mfa.issuer, user.email, secret);
  return { secret: totpSecretText(secret), otpauth_url: otpauthUrl, qr_svg: await qrCodeSvg(otpauthUrl) };
}

export async function issueRecoveryCodes(kernel: Kernel, userId: string, client: ClientInfo): Promise<string[]> {
  const codes = createRecoveryCodes(kernel.random);
  await kernel.stores.mfa.replaceRecoveryCodes(userId, codes.map((code) => recoveryCodeHash(code) as string), kernel.clock.nowMs());
  kernel.emit({ type: 'mfa.recovery_codes_generated', userId, ...origin(client), atMs: kernel.clock.nowMs() });
  return codes;
}

/** Ten new codes on request (not the first ten of an enrolment, which its own mail covers). */
async function regenerateAndNotify(kernel: Kernel, principal: Principal, client: ClientInfo): Promise<string[]> {
  const codes = await issueRecoveryCodes(kernel, principal.user.id, client);
  notifyFactorChange(kernel, principal.user.email, 'codes');
  return codes;
}

/**
 * The first code makes the secret a factor (under the MFA budget). When it is the user's first
 * factor, ten recovery codes come with it — shown this once.
 */
export async function confirmTotp(
  kernel: Kernel,
  principal: Principal,
  body: BodyFields,
  client: ClientInfo,
): Promise<{ recoveryCodes: string[] | null; session: StartedSession | null }> {
  const input = readSecondFactorInput({ method: 'totp', code: body.code });
  const { user } = principal;
  const pending = await kernel.stores.mfa.findTotp(user.id);
  if (!pending || pending.confirmedAtMs !== null) throw new AuthError('INVALID_INPUT', { message: 'Start the set-up first', fields: { code: 'Start the set-up first' } });
  const outcome = await checkSecondFactor(kernel, user.id, input, client, { confirming: true });
  if (!outcome.ok) throw secondFactorFailure(outcome);
  kernel.emit({ type: 'mfa.enrolled', userId: user.id, method: 'otp', ...origin(client), atMs: kernel.clock.nowMs() });
  notifyFactorChange(kernel, user.email, 'enrolled');
  const hasCodes = (await kernel.stores.mfa.countRecoveryCodes(user.id)) > 0;
  const recoveryCodes = hasCodes ? null : await issueRecoveryCodes(kernel, user.id, client);
  // The code just proved the factor on this session: it is AAL2 now (under a new cookie token).
  const session = principal.session ? await raiseSession(kernel, principal, 'otp', client) : null;
  return { recoveryCodes, session };
}

/**
 * With no second factor left, the recovery codes go too (they are a way past a factor, not one),
 * and so does every remembered device (a later enrolment must not bring old marks back).
 */
export async function dropCodesWithoutFactor(kernel: Kernel, userId: string, client: ClientInfo): Promise<void> {
  if ((await secondFactorMethods(kernel, userId)).length > 0) return;
  await kernel.stores.mfa.replaceRecoveryCodes(userId, [], kernel.clock.nowMs());
  await forgetTrustedDevicesOfUser(kernel, userId, 'factors', client);
}

/** Removes the authenticator app; with no second factor left, the recovery codes go too. */
export async function removeTotp(kernel: Kernel, principal: Principal, client: ClientInfo): Promise<void> {
  const { user } = principal;
  if (!(await kernel.stores.mfa.deleteTotp(user.id))) throw new AuthError('NOT_FOUND');
  await dropCodesWithoutFactor(kernel, user.id, client);
  kernel.emit({ type: 'mfa.removed', userId: user.id, method: 'otp', ...origin(client), atMs: kernel.clock.nowMs() });
  // Two-step sign-in is off only when no passkey is left either.
  const passkeysLeft = (await kernel.stores.mfa.listPasskeysOfUser(user.id)).length > 0;
  notifyFactorChange(kernel, user.email, passkeysLeft ? 'app-removed' : 'removed');
}

/** Ten new recovery codes, the old ones dead in the same write; only for a user with a second factor. */
export async function regenerateRecoveryCodes(kernel: Kernel, principal: Principal, client: ClientInfo): Promise<string[]> {
  const methods = await secondFactorMethods(kernel, principal.user.id);
  if (!methods.includes('totp') && !methods.includes('passkey')) throw new AuthError('INVALID_INPUT', { message: 'Set up a second factor first' });
  return regenerateAndNotify(kernel, principal, client);
}

/** Admin: removes every second factor of a user (lost device); audited with the actor. */
export async function resetSecondFactors(kernel: Kernel, actor: Principal, userId: string, client: ClientInfo): Promise<void> {
  const user = await kernel.stores.users.findUserById(userId);
  if (!user) throw new AuthError('NOT_FOUND');
  await kernel.stores.mfa.deleteFactorsOfUser(userId);
  await forgetTrustedDevicesOfUser(kernel, userId, 'admin', client, actor.user.id);
  kernel.emit({ type: 'mfa.reset', userId, actorId: actor.user.id, ...origin(client), atMs: kernel.clock.nowMs() });
  // The owner hears of it: if they did not ask for it, their account needs them.
  notifyFactorChange(kernel, user.email, 'reset');
}
