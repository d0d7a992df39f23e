/**
 * @module One's own passkeys (routes guarded by a fresh login): registration options bound to the
 * session, registration verified against the RP ID and origin from configuration, listing,
 * renaming and removing — another user's passkey is never found (404). The first second factor
 * brings ten recovery codes and raises the session to AAL2, as a confirmed TOTP app does.
 */
import { createPublicId } from '../core/crypto/index.ts';
import { AuthError } from '../core/errors.ts';
import { FieldCollector, type BodyFields } from '../core/input.ts';
import type { ClientInfo } from '../core/request-context.ts';
import {
  claimPasskeyChallenge,
  passkeyRegistrationOptions,
  readRegistrationResponse,
  verifyPasskeyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type RelyingParty,
} from '../features/mfa/index.ts';
import { hasUsablePassword } from '../features/passwords/index.ts';
import { origin, type Kernel, type Principal } from './kernel.ts';
import { dropCodesWithoutFactor, issueRecoveryCodes, notifyFactorChange, type PasskeySummary } from './mfa-enrolment.ts';
import { secondFactorMethods } from './second-factor-check.ts';
import type { StartedSession } from './start-session.ts';
import { withSignInMethodsLock } from './sign-in-methods-lock.ts';
import { raiseSession } from './step-up.ts';

const NAME_MAX = 64;
const MAX_PASSKEYS_PER_USER = 20;

/** Passkeys need a domain name in PUBLIC_URL: without one (an IP address) the passkey routes answer 404. */
export function relyingParty(kernel: Kernel): RelyingParty {
  const rp = kernel.mfa.passkeys.rp;
  if (!rp) throw new AuthError('NOT_FOUND');
  return rp;
}

function sessionOf(principal: Principal) {
  if (!principal.session) throw new AuthError('UNAUTHENTICATED');
  return principal.session;
}

function readName(fields: FieldCollector, value: unknown, fallback: string | undefined): string {
  if (fallback !== undefined && (value === undefined || value === null || value === '')) return fallback;
  const name = fields.text('name', typeof value === 'string' ? value.trim() : value, { label: 'Name', maxLength: NAME_MAX });
  return name;
}

/** `POST /auth/passkeys/register/options`: creation options, the user's passkeys excluded, the challenge bound to this session. */
export async function passkeyCreationOptions(kernel: Kernel, principal: Principal): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(kernel);
  const session = sessionOf(principal);
  const existing = await kernel.stores.mfa.listPasskeysOfUser(principal.user.id);
  const challenge = kernel.mfa.passkeys.challenges.issue('register', session.id, kernel.clock.nowMs());
  return passkeyRegistrationOptions(rp, { id: principal.user.id, name: principal.user.email }, existing, challenge.bytes);
}

export interface RegisteredPasskeyResult {
  readonly passkey: PasskeySummary;
  /** Ten codes when this is the user's first second factor (shown once); else null. */
  readonly recoveryCodes: string[] | null;
  /** The session raised to AAL2 under a new token (first factor only); else null. */
  readonly session: StartedSession | null;
}

const unverified = () => new AuthError('INVALID_INPUT', { fields: { response: 'The passkey could not be registered. Try again.' } });

/** `POST /auth/passkeys/register`: the attestation for this session's challenge (used once) → a stored passkey. */
export async function registerPasskey(kernel: Kernel, principal: Principal, body: BodyFields, client: ClientInfo): Promise<RegisteredPasskeyResult> {
  const rp = relyingParty(kernel);
  const session = sessionOf(principal);
  const { user } = principal;
  const fields = new FieldCollector();
  const response = readRegistrationResponse(body.response);
  if (!response) fields.add('response', 'The passkey answer is missing or malformed');
  const name = readName(fields, body.name, 'Passkey');
  fields.throwIfAny();

  const nowMs = kernel.clock.nowMs();
  const { challenges, challengeTtlMs } = kernel.mfa.passkeys;
  let challengeId: string | undefined;
  const registered = await verifyPasskeyRegistration(rp, response!, (presented) => {
    challengeId = challenges.read(presented, 'register', session.id, nowMs)?.id;
    return challengeId !== undefined;
  });
  if (!registered || challengeId === undefined) throw unverified();
  if (!(await claimPasskeyChallenge(kernel.counters, challengeId, challengeTtlMs))) throw unverified();

  const record = {
    id: createPublicId(kernel.random),
    userId: user.id,
    credentialId: registered.credentialId,
    publicKey: registered.publicKey,
    counter: registered.counter,
    transports: registered.transports,
    name,
    deviceType: registered.deviceType,
    backedUp: registered.backedUp,
    createdAtMs: nowMs,
    lastUsedAtMs: null,
  };
  // One turn with every other change to the account's ways in: the cap, whether this is the first
  // factor, the save, the recovery codes and the session's raise are one decision. Two first
  // registrations at once: the second sees the first's passkey — under a level-1 session it is
  // refused with nothing stored (the route's guard decided before the first existed), and the
  // recovery codes the first showed are never replaced.
  const { recoveryCodes, raised } = await withSignInMethodsLock(kernel, user.id, async () => {
    const before = await secondFactorMethods(kernel, user.id);
    const first = !before.includes('totp') && !before.includes('passkey');
    if (!first && (principal.session?.aal ?? 1) < 2) throw new AuthError('REAUTH_REQUIRED');
    if ((await kernel.stores.mfa.listPasskeysOfUser(user.id)).length >= MAX_PASSKEYS_PER_USER) {
      throw new AuthError('INVALID_INPUT', { message: `At most ${MAX_PASSKEYS_PER_USER} passkeys: remove one first` });
    }
    if (!(await kernel.stores.mfa.savePasskey(record))) {
      throw new AuthError('INVALID_INPUT', { fields: { response: 'This passkey is registered already.' } });
    }
    const hasCodes = (await kernel.stores.mfa.countRecoveryCodes(user.id)) > 0;
    const codes = hasCodes ? null : await issueRecoveryCodes(kernel, user.id, client);
    // As a confirmed TOTP app: the first factor, just created on this session, makes it AAL2. A user
    // who had a factor already registers under a level-2 fresh session (checked above): no change.
    return { recoveryCodes: codes, raised: first ? await raiseSession(kernel, principal, 'passkey', client) : null };
  });
  kernel.emit({ type: 'mfa.enrolled', userId: user.id, method: 'passkey', name, ...origin(client), atMs: nowMs });
  notifyFactorChange(kernel, user.email, 'passkey-added');
  const summary: PasskeySummary = { id: record.id, name, created: new Date(nowMs).toISOString(), last_used: null };
  return { passkey: summary, recoveryCodes, session: raised };
}

/** `PATCH /auth/passkeys/:id`: a new name for one of the principal's passkeys (404 for anyone else's). */
export async function renamePasskey(kernel: Kernel, principal: Principal, id: string, body: BodyFields, client: ClientInfo): Promise<PasskeySummary> {
  const fields = new FieldCollector();
  const name = readName(fields, body.name, undefined);
  fields.throwIfAny();
  if (!(await kernel.stores.mfa.renamePasskey(principal.user.id, id, name))) throw new AuthError('NOT_FOUND');
  kernel.emit({ type: 'mfa.renamed', userId: principal.user.id, method: 'passkey', name, ...origin(client), atMs: kernel.clock.nowMs() });
  const passkey = (await kernel.stores.mfa.listPasskeysOfUser(principal.user.id)).find((candidate) => candidate.id === id);
  if (!passkey) throw new AuthError('NOT_FOUND');
  return {
    id: passkey.id,
    name: passkey.name,
    created: new Date(passkey.createdAtMs).toISOString(),
    last_used: passkey.lastUsedAtMs === null ? null : new Date(passkey.lastUsedAtMs).toISOString(),
  };
}

/**
 * `DELETE /auth/passkeys/:id` (fresh at level 2): removes one of the principal's passkeys (404 for
 * anyone else's). The last way in of an account without a password or linked identity is kept
 * (409 LAST_SIGN_IN_METHOD). With no second factor left, the recovery codes go too.
 */
export async function removePasskey(kernel: Kernel, principal: Principal, id: string, client: ClientInfo): Promise<void> {
  const { user } = principal;
  // Read, decide and delete in one turn with every other change to the account's ways in: two
  // racing deletes (or a delete and an unlink) must not both see another way left.
  const removed = await withSignInMethodsLock(kernel, user.id, async () => {
    const passkeys = await kernel.stores.mfa.listPasskeysOfUser(user.id);
    const found = passkeys.find((passkey) => passkey.id === id);
    if (!found) throw new AuthError('NOT_FOUND');
    if (passkeys.length === 1 && !hasUsablePassword(user.passwordHash) && (await kernel.stores.identities.listIdentitiesOfUser(user.id)).length === 0) {
      throw new AuthError('LAST_SIGN_IN_METHOD');
    }
    if (!(await kernel.stores.mfa.deletePasskey(user.id, id))) throw new AuthError('NOT_FOUND');
    return found;
  });
  await dropCodesWithoutFactor(kernel, user.id, client);
  kernel.emit({ type: 'mfa.removed', userId: user.id, method: 'passkey', name: removed.name, ...origin(client), atMs: kernel.clock.nowMs() });
  notifyFactorChange(kernel, user.email, 'passkey-removed');
}
