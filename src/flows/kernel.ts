/** @module What every flow is given: configuration, stores, time, randomness, hashing, events. */
import type { AuthConfig } from '../core/config.ts';
import type { Clock } from '../core/clock.ts';
import type { RandomSource } from '../core/crypto/index.ts';
import type { AuthEvent, Mechanism } from '../core/events.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { FieldCollector, TextRule } from '../core/input.ts';
import type { TtlCache } from '../core/ttl-cache.ts';
import type { ApiTokenRecord, Authorization, CounterStore, SessionRecord, Stores, TokenFamilyRecord, UserRecord } from '../core/stores.ts';
import type { ConfiguredPasswordPolicy, PasswordHasher } from '../features/passwords/index.ts';
import type { MailMessage } from '../features/mail/index.ts';
import type { DeviceMarkCodec, MfaBudgetRule, PasskeyChallengeCodec, PendingCodec, RelyingParty, SecretSealer } from '../features/mfa/index.ts';
import type { InFlightLimit } from '../features/ratelimit/index.ts';
import type { AccessTokenCodec, SigningKeySet } from '../features/tokens/index.ts';

/** A user with roles and permissions: what a bearer-token request needs, cached per process. */
export interface UserState {
  readonly user: UserRecord;
  readonly authorization: Authorization;
}

/** Per-process caches on the token hot path; every change to what they hold invalidates them. */
export interface KernelCaches {
  readonly users: TtlCache<UserState>;
  readonly families: TtlCache<TokenFamilyRecord>;
  readonly apiTokens: TtlCache<ApiTokenRecord>;
}

/** Signing keys and the codec built on them, made once (importing keys is asynchronous). */
export interface TokenSigning {
  keys(): Promise<SigningKeySet>;
  codec(): Promise<AccessTokenCodec>;
}

/** Multi-factor: the pending sign-in's signing, the sealing of secrets at rest, the MFA attempt budget, the device mark. Made once. */
export interface MfaKit {
  readonly pending: PendingCodec;
  readonly device: DeviceMarkCodec;
  readonly sealer: SecretSealer;
  readonly budget: MfaBudgetRule;
  /** Passkeys: the relying party (from PUBLIC_URL; undefined when its host is an IP address: passkeys off) and the challenges. */
  readonly passkeys: { readonly rp: RelyingParty | undefined; readonly challenges: PasskeyChallengeCodec; readonly challengeTtlMs: number };
}

export interface Kernel {
  readonly config: AuthConfig;
  readonly stores: Stores;
  /** Rate limits, lock-outs and budgets: in-process, or Redis when several processes share them. */
  readonly counters: CounterStore;
  /** Secret checks each client has running or queued in this process (AUTH_CLIENT_CHECKS_IN_FLIGHT). */
  readonly checksInFlight: InFlightLimit;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly hasher: PasswordHasher;
  readonly policy: ConfiguredPasswordPolicy;
  /** Applied to a password before verifying an imported legacy hash (e.g. Flask-Security's HMAC). */
  readonly transformLegacyPassword: ((password: string) => string) | undefined;
  /** Queues a message; sending happens off the request (so timing reveals nothing). */
  sendMail(message: MailMessage): void;
  /** Runs work off the request (lookups and mails whose timing must not show); `auth.flush()` waits for it. */
  background(task: () => Promise<void>): void;
  readonly caches: KernelCaches;
  readonly signing: TokenSigning;
  readonly mfa: MfaKit;
  emit(event: AuthEvent): void;
}

export type { Mechanism };

/** The who-and-where of an event: client IP and user agent (never a cookie or header dump). */
export function origin(client: ClientInfo): { ip: string; userAgent: string } {
  return { ip: client.ip, userAgent: client.userAgent };
}

/** Who is making this request, and how they proved it. */
export interface Principal {
  readonly user: UserRecord;
  readonly authorization: Authorization;
  readonly via: Mechanism;
  /** The session, when `via` is `session`. */
  readonly session: SessionRecord | null;
}

/** The user with roles, through the per-process cache (SQL only on a miss or after invalidation). */
export async function loadUserState(kernel: Kernel, userId: string): Promise<UserState | undefined> {
  return kernel.caches.users.get(userId, async () => {
    const user = await kernel.stores.users.findUserById(userId);
    if (!user) return undefined;
    return { user, authorization: await kernel.stores.roles.authorizationOfUser(userId) };
  });
}

/**
 * The shape check of a password field before the policy sees it: a string, no NUL or broken
 * Unicode, and a raw length bound of 4× the policy's maximum (the policy counts after
 * normalisation, which may shorten or lengthen text) — with the message naming the real limit.
 */
export function passwordField(kernel: Kernel, label: string): TextRule {
  const max = kernel.config.password.maxLength;
  return { label, maxLength: max * 4, allowControl: true, tooLongMessage: `${label} must be at most ${max} characters` };
}

/**
 * A password presented to log in: the field checks above, then the policy's length after
 * normalisation — nothing longer than any password that can exist here is hashed.
 */
export function readPresentedPassword(fields: FieldCollector, kernel: Kernel, name: string, value: unknown, label: string): string {
  const password = fields.text(name, value, passwordField(kernel, label));
  const max = kernel.config.password.maxLength;
  if (password && [...kernel.policy.normalize(password)].length > max) fields.add(name, `${label} must be at most ${max} characters`);
  return password;
}
