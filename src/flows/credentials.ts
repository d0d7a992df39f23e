/**
 * @module Checking a secret under the attempt budget. Every check (password at login, token
 * endpoint, Basic, re-authentication, change of password, reset link) goes through `checkSecret`:
 * take a slot for the client, reserve an attempt from the subject's and the client's budgets, only
 * then evaluate, then settle. Nothing is evaluated that the budget did not grant.
 */
import { clientBucket } from '../core/client-ip.ts';
import { AuthError } from '../core/errors.ts';
import type { LoginFailureReason, Mechanism } from '../core/events.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { awaitsConfirmation, emailKey, usernameKey } from '../features/identity/index.ts';
import { lockoutSubject, reserveAttempt } from '../features/lockout/index.ts';
import { HashQueueFullError, verifyStoredPassword } from '../features/passwords/index.ts';
import { origin, type Kernel } from './kernel.ts';
import { sendConfirmation } from './send-confirmation.ts';

type Refusal = 'locked' | 'ip_budget' | 'client_busy';

export type CredentialCheck =
  | { ok: true; user: UserRecord }
  /** The right password of an account whose address is not confirmed yet (EMAIL_CONFIRMATION=required). */
  | { ok: false; reason: 'unconfirmed'; user: UserRecord }
  | { ok: false; reason: Exclude<LoginFailureReason, Refusal | 'unconfirmed'> }
  | { ok: false; reason: Refusal; retryAfterSeconds: number };

/** What became of one guarded check: refused before evaluating, or evaluated with its verdict. */
export type SecretCheck<T> =
  | { readonly refused: true; readonly reason: Refusal; readonly retryAfterSeconds: number }
  | { readonly refused: false; readonly result: T; readonly lockedForMs: number };

/** An identity with an `@` is an e-mail, otherwise a username (usernames cannot contain `@`). */
export function identityKey(identity: string): string {
  return identity.includes('@') ? emailKey(identity) : usernameKey(identity);
}

export async function findUserByIdentity(kernel: Kernel, identity: string): Promise<UserRecord | undefined> {
  return identity.includes('@')
    ? kernel.stores.users.findUserByEmailKey(emailKey(identity))
    : kernel.stores.users.findUserByUsernameKey(usernameKey(identity));
}

const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Runs `evaluate` only under a granted attempt: `subject` names the budget (see lockoutSubject;
 * null for a secret of no account, where only the client's budget applies); `succeeded` reads the
 * verdict. A client already running its share of checks in this process is refused before it can
 * queue more hashing work.
 */
export async function checkSecret<T>(
  kernel: Kernel,
  options: { subject: string | null; client: ClientInfo; honourKnownDevice: boolean },
  evaluate: () => Promise<T>,
  succeeded: (result: T) => boolean,
): Promise<SecretCheck<T>> {
  const bucket = clientBucket(options.client.ip, kernel.config.ipv6PrefixLength);
  if (!kernel.checksInFlight.tryEnter(bucket)) return { refused: true, reason: 'client_busy', retryAfterSeconds: 1 };
  try {
    const attempt = await reserveAttempt(kernel.counters, kernel.config.lockout, {
      subject: options.subject,
      clientBucket: bucket,
      honourKnownDevice: options.honourKnownDevice,
    });
    if (!attempt.granted) return { refused: true, reason: attempt.reason, retryAfterSeconds: toSeconds(attempt.retryAfterMs) };
    let result: T;
    try {
      result = await evaluate();
    } catch (error) {
      // The check never happened (hashing queue full, store down): it was no guess, give it back.
      await attempt.abandoned().catch(() => undefined);
      throw error;
    }
    if (succeeded(result)) {
      await attempt.succeeded();
      return { refused: false, result, lockedForMs: 0 };
    }
    const { lockedForMs } = await attempt.failed();
    return { refused: false, result, lockedForMs };
  } finally {
    kernel.checksInFlight.leave(bucket);
  }
}

/**
 * The password against the user's stored hash (argon2id or an imported legacy format). A correct
 * password whose hash is legacy or has old parameters is re-hashed now, transparently. Callers
 * run it inside `checkSecret`.
 */
async function verifyUserPassword(kernel: Kernel, user: UserRecord, password: string, client: ClientInfo): Promise<boolean> {
  const result = await verifyStoredPassword(kernel.hasher, user.passwordHash, password, {
    normalize: kernel.policy.normalize,
    ...(kernel.transformLegacyPassword ? { transformLegacyPassword: kernel.transformLegacyPassword } : {}),
  });
  if (!result.valid) return false;
  if (result.needsRehash) {
    const nowMs = kernel.clock.nowMs();
    let rehashed: string;
    try {
      rehashed = await kernel.hasher.hashPassword(kernel.policy.normalize(password));
    } catch (error) {
      // A full hashing queue must not fail a correct login: the next login re-hashes.
      if (error instanceof HashQueueFullError) return true;
      throw error;
    }
    await kernel.stores.users.setPasswordHash(user.id, rehashed, nowMs);
    kernel.emit({ type: 'password.rehashed', userId: user.id, ...origin(client), atMs: nowMs });
  }
  return true;
}

/**
 * The signed-in user's own password again (re-authentication, change of password): under the
 * account's budget, without the known-device relief — a stolen cookie guesses from the victim's
 * budget, never a fresh one. `lockedForMs > 0` means this failure spent the budget.
 */
export function checkOwnPassword(kernel: Kernel, user: UserRecord, password: string, client: ClientInfo): Promise<SecretCheck<boolean>> {
  return checkSecret(
    kernel,
    { subject: lockoutSubject.user(user.id), client, honourKnownDevice: false },
    () => verifyUserPassword(kernel, user, password, client),
    (valid) => valid,
  );
}

/**
 * The signed-in user's password, presented again on `session`'s behalf: a wrong one answers
 * `wrongPassword()`; the failure that spends the account's budget also revokes the session — a
 * stolen cookie that guesses loses itself — and answers 429. A refusal (the budget already spent,
 * maybe by a stranger at the login form) answers 429 and leaves the session alone: it made no
 * guess, and lockout must not become a way to sign the owner out.
 */
export async function requireOwnPassword(
  kernel: Kernel,
  user: UserRecord,
  sessionId: string,
  password: string,
  client: ClientInfo,
  wrongPassword: () => AuthError,
): Promise<void> {
  const check = await checkOwnPassword(kernel, user, password, client);
  if (check.refused) throw new AuthError('RATE_LIMITED', { retryAfterSeconds: check.retryAfterSeconds });
  if (check.result) return;
  const nowMs = kernel.clock.nowMs();
  kernel.emit({ type: 'verify.failed', userId: user.id, ...origin(client), atMs: nowMs });
  if (check.lockedForMs === 0) throw wrongPassword();
  const spent = toSeconds(check.lockedForMs);
  await kernel.stores.sessions.deleteSession(sessionId);
  kernel.emit({ type: 'session.revoked', userId: user.id, sessionId, by: 'protection', ...origin(client), atMs: nowMs });
  throw new AuthError('RATE_LIMITED', { retryAfterSeconds: spent });
}

/**
 * Every way of presenting an identity and password (login form, JSON login, Basic, token
 * endpoint) comes here. An existing account's budget is keyed by its id, so its e-mail and its
 * username share one; an identity no account holds has a budget of its own, so a lock looks the
 * same either way. A locked identity is refused even with the right password, without hashing.
 */
export async function checkCredentials(kernel: Kernel, identity: string, password: string, client: ClientInfo, via: Mechanism): Promise<CredentialCheck> {
  const user = await findUserByIdentity(kernel, identity);
  const subject = user ? lockoutSubject.user(user.id) : lockoutSubject.unknownIdentity(identityKey(identity));
  const check = await checkSecret(
    kernel,
    { subject, client, honourKnownDevice: true },
    async (): Promise<CredentialCheck> => {
      if (!user) {
        await kernel.hasher.verifyAgainstDummy(kernel.policy.normalize(password));
        return { ok: false, reason: 'unknown_identity' };
      }
      if (!(await verifyUserPassword(kernel, user, password, client))) return { ok: false, reason: 'wrong_password' };
      if (!user.active) return { ok: false, reason: 'inactive' };
      if (awaitsConfirmation(kernel.config.identity.confirmation, user)) return { ok: false, reason: 'unconfirmed', user };
      return { ok: true, user };
    },
    // The right password of an unconfirmed account is no guess: its attempt is given back.
    (result) => result.ok || result.reason === 'unconfirmed',
  );
  if (check.refused) return { ok: false, reason: check.reason, retryAfterSeconds: check.retryAfterSeconds };
  if (check.lockedForMs > 0) {
    kernel.emit({ type: 'login.locked', identity, via, retryAfterSeconds: toSeconds(check.lockedForMs), ...origin(client), atMs: kernel.clock.nowMs() });
  }
  return check.result;
}

/**
 * The one failure every credential route answers: 401 INVALID_CREDENTIALS, or 429 while locked —
 * logged with the identity as typed and the true reason (only the audit trail knows it). The right
 * password of an unconfirmed account answers 403 CONFIRMATION_REQUIRED and mails a new link
 * (within the recipient's budget, off the request).
 */
export function credentialFailure(kernel: Kernel, identity: string, failure: Extract<CredentialCheck, { ok: false }>, via: Mechanism, client: ClientInfo): AuthError {
  kernel.emit({ type: 'login.failed', identity, reason: failure.reason, via, ...origin(client), atMs: kernel.clock.nowMs() });
  if ('retryAfterSeconds' in failure) return new AuthError('RATE_LIMITED', { retryAfterSeconds: failure.retryAfterSeconds });
  if (failure.reason === 'unconfirmed') {
    sendConfirmation(kernel, failure.user, 'login', client);
    return new AuthError('CONFIRMATION_REQUIRED');
  }
  return new AuthError('INVALID_CREDENTIALS');
}
