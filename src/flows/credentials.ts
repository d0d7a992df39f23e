/**
 * @module Checking an identity + password pair: lockout and the per-IP failure budget first,
 * then one argon2id verification whatever the identity, the same answer whatever failed.
 */
import { clientBucket } from '../core/client-ip.ts';
import { AuthError } from '../core/errors.ts';
import type { LoginFailureReason, Mechanism } from '../core/events.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { UserRecord } from '../core/stores.ts';
import { emailKey, usernameKey } from '../features/identity/index.ts';
import { lockoutDelayMs, lockoutKeys, lockoutScope } from '../features/lockout/index.ts';
import { verifyStoredPassword } from '../features/passwords/index.ts';
import { origin, type Kernel } from './kernel.ts';

export type CredentialCheck =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: Exclude<LoginFailureReason, 'locked' | 'ip_budget'> }
  | { ok: false; reason: 'locked' | 'ip_budget'; retryAfterSeconds: number };

/** An identity with an `@` is an e-mail, otherwise a username (usernames cannot contain `@`). */
export function identityKey(identity: string): string {
  return identity.includes('@') ? emailKey(identity) : usernameKey(identity);
}

export async function findUserByIdentity(kernel: Kernel, identity: string): Promise<UserRecord | undefined> {
  return identity.includes('@')
    ? kernel.stores.users.findUserByEmailKey(emailKey(identity))
    : kernel.stores.users.findUserByUsernameKey(usernameKey(identity));
}

/**
 * The password against the user's stored hash (argon2id or an imported legacy format). A correct
 * password whose hash is legacy or has old parameters is re-hashed now, transparently.
 */
export async function verifyUserPassword(kernel: Kernel, user: UserRecord, password: string, client: ClientInfo): Promise<boolean> {
  const result = await verifyStoredPassword(kernel.hasher, user.passwordHash, password, {
    normalize: kernel.policy.normalize,
    ...(kernel.transformLegacyPassword ? { transformLegacyPassword: kernel.transformLegacyPassword } : {}),
  });
  if (!result.valid) return false;
  if (result.needsRehash) {
    const nowMs = kernel.clock.nowMs();
    await kernel.stores.users.setPasswordHash(user.id, await kernel.hasher.hashPassword(kernel.policy.normalize(password)), nowMs);
    kernel.emit({ type: 'password.rehashed', userId: user.id, ...origin(client), atMs: nowMs });
  }
  return true;
}

async function verify(kernel: Kernel, identity: string, password: string, client: ClientInfo): Promise<CredentialCheck> {
  const user = await findUserByIdentity(kernel, identity);
  if (!user) {
    await kernel.hasher.verifyAgainstDummy(kernel.policy.normalize(password));
    return { ok: false, reason: 'unknown_identity' };
  }
  if (!(await verifyUserPassword(kernel, user, password, client))) return { ok: false, reason: 'wrong_password' };
  if (!user.active) return { ok: false, reason: 'inactive' };
  return { ok: true, user };
}

const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Every way of presenting a password (login form, JSON login, Basic, token endpoint) comes here.
 * Failures count for the normalised identity whether or not an account exists, so a lockout tells
 * an attacker nothing; a locked identity is refused even with the right password.
 */
export async function checkCredentials(kernel: Kernel, identity: string, password: string, client: ClientInfo, via: Mechanism): Promise<CredentialCheck> {
  const { counters, config } = kernel;
  const rule = config.lockout;
  const key = identityKey(identity);
  const bucket = clientBucket(client.ip, config.ipv6PrefixLength);
  const knownGood = (await counters.peek(lockoutKeys.knownGood(key, bucket))) !== undefined;
  const scope = lockoutScope(key, bucket, knownGood);

  const lock = await counters.peek(lockoutKeys.lock(scope));
  if (lock) return { ok: false, reason: 'locked', retryAfterSeconds: toSeconds(lock.resetInMs) };
  if (!knownGood) {
    const spent = await counters.peek(lockoutKeys.stuffing(bucket));
    if (spent && spent.count >= rule.ipFailureBudget.count) return { ok: false, reason: 'ip_budget', retryAfterSeconds: toSeconds(spent.resetInMs) };
  }

  const result = await verify(kernel, identity, password, client);
  if (result.ok) {
    await Promise.all([
      counters.delete(lockoutKeys.failures(scope)),
      counters.delete(lockoutKeys.lock(scope)),
      counters.put(lockoutKeys.knownGood(key, bucket), 1, rule.knownDeviceMs),
    ]);
    return result;
  }
  const [failures] = await Promise.all([
    counters.hit(lockoutKeys.failures(scope), rule.failureWindowMs),
    knownGood ? undefined : counters.hit(lockoutKeys.stuffing(bucket), rule.ipFailureBudget.windowMs),
  ]);
  const delayMs = lockoutDelayMs(failures.count, rule);
  if (delayMs > 0) {
    await counters.put(lockoutKeys.lock(scope), failures.count, delayMs);
    kernel.emit({ type: 'login.locked', identity, via, retryAfterSeconds: toSeconds(delayMs), ...origin(client), atMs: kernel.clock.nowMs() });
  }
  return result;
}

/**
 * The one failure every credential route answers: 401 INVALID_CREDENTIALS, or 429 while locked —
 * logged with the identity as typed and the true reason (only the audit trail knows it).
 */
export function credentialFailure(kernel: Kernel, identity: string, failure: Extract<CredentialCheck, { ok: false }>, via: Mechanism, client: ClientInfo): AuthError {
  kernel.emit({ type: 'login.failed', identity, reason: failure.reason, via, ...origin(client), atMs: kernel.clock.nowMs() });
  if ('retryAfterSeconds' in failure) return new AuthError('RATE_LIMITED', { retryAfterSeconds: failure.retryAfterSeconds });
  return new AuthError('INVALID_CREDENTIALS');
}
