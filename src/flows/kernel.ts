/** @module What every flow is given: configuration, stores, time, randomness, hashing, events. */
import type { AuthConfig } from '../core/config.ts';
import type { Clock } from '../core/clock.ts';
import type { RandomSource } from '../core/crypto/index.ts';
import type { AuthEvent, Mechanism } from '../core/events.ts';
import type { ClientInfo } from '../core/request-context.ts';
import type { Authorization, CounterStore, SessionRecord, Stores, UserRecord } from '../core/stores.ts';
import type { PasswordHasher } from '../features/passwords/index.ts';

export interface Kernel {
  readonly config: AuthConfig;
  readonly stores: Stores;
  /** Rate limits, lock-outs and budgets: in-process, or Redis when several processes share them. */
  readonly counters: CounterStore;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly hasher: PasswordHasher;
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
