/** @module Shared fixtures of the store conformance suite: fixed times, record factories, the store accessors. */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { UniqueViolationError } from '../../core/errors.ts';
import type { NewUser, SessionRecord, Stores, UserRecord } from '../../core/stores.ts';

export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const hex = (bytes = 6) => randomBytes(bytes).toString('hex');
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const tag = hex();
  const email = overrides.email ?? `User.${tag}@Example.com`;
  return {
    id: `u-${tag}`,
    email,
    emailKey: email.toLowerCase(),
    username: null,
    usernameKey: null,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${hex(16)}`,
    uniquifier: hex(16),
    nowMs: T0,
    ...overrides,
  };
}

export function withUsername(username: string, overrides: Partial<NewUser> = {}): NewUser {
  return newUser({ username, usernameKey: username.toLowerCase(), ...overrides });
}

export function newSession(userId: string, uniquifier: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: `s-${hex()}`,
    tokenHash: sha256(hex(32)),
    userId,
    uniquifier,
    createdAtMs: T0,
    lastSeenAtMs: T0,
    expiresAtMs: T0 + DAY,
    freshAtMs: T0,
    graceUntilMs: 0,
    remember: false,
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (conformance)',
    fingerprint: sha256(hex()),
    aal: 1,
    amr: 'pwd',
    factorAtMs: 0,
    ...overrides,
  };
}

export async function expectUniqueViolation(promise: Promise<unknown>, key: UniqueViolationError['key']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a UniqueViolationError').toBeInstanceOf(UniqueViolationError);
  expect((error as UniqueViolationError).key).toBe(key);
}

/** How a contract's tests reach the stores opened for the suite (only after beforeAll has run). */
export interface Fixture {
  stores(): Stores;
  users(): Stores['users'];
  roles(): Stores['roles'];
  sessions(): Stores['sessions'];
  /** A stored user and its record, for tests that need one to hang things on. */
  storedUser(overrides?: Partial<NewUser>): Promise<UserRecord>;
}
