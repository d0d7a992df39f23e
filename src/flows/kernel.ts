/** @module What every flow is given: configuration, stores, time, randomness, hashing, events. */
import type { AuthConfig } from '../core/config.ts';
import type { Clock } from '../core/clock.ts';
import type { RandomSource } from '../core/crypto/index.ts';
import type { AuthEvent } from '../core/events.ts';
import type { Authorization, SessionRecord, Stores, UserRecord } from '../core/stores.ts';
import type { PasswordHasher } from '../features/passwords/index.ts';

export interface Kernel {
  readonly config: AuthConfig;
  readonly stores: Stores;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly hasher: PasswordHasher;
  emit(event: AuthEvent): void;
}

export type Mechanism = 'session' | 'token' | 'basic';

/** Who is making this request, and how they proved it. */
export interface Principal {
  readonly user: UserRecord;
  readonly authorization: Authorization;
  readonly via: Mechanism;
  /** The session, when `via` is `session`. */
  readonly session: SessionRecord | null;
}
