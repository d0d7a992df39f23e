/** @module A new session: a 256-bit token for the cookie, only its SHA-256 for the store. */
import type { ClientInfo } from '../../core/request-context.ts';
import type { SessionRecord } from '../../core/stores.ts';
import { createPublicId, createSecretToken, sha256Hex, type RandomSource } from '../../core/crypto/index.ts';
import { sessionFingerprint } from './evaluate.ts';

export interface SessionPolicy {
  readonly idleTimeoutMs: number;
  readonly maxAgeMs: number;
  readonly rememberMeMaxAgeMs: number;
  readonly protection: 'off' | 'basic' | 'strong';
  readonly touchIntervalMs: number;
}

/** How a session was made: its level, the methods proved (comma-separated), when a second factor was. */
export interface SessionAssurance {
  readonly aal: 1 | 2;
  readonly amr: string;
  readonly factorAtMs: number;
}

export interface IssuedSession {
  /** The secret for the cookie; it exists only here and in the client's cookie jar. */
  readonly token: string;
  readonly record: SessionRecord;
}

export function issueSession(input: {
  userId: string;
  uniquifier: string;
  remember: boolean;
  client: ClientInfo;
  nowMs: number;
  policy: SessionPolicy;
  random: RandomSource;
  /** How the session is made: default one factor, the password (`1`, `pwd`, no second factor yet). */
  assurance?: SessionAssurance;
}): IssuedSession {
  const token = createSecretToken(input.random);
  const lifetimeMs = input.remember ? input.policy.rememberMeMaxAgeMs : input.policy.maxAgeMs;
  return {
    token,
    record: {
      id: createPublicId(input.random),
      tokenHash: sha256Hex(token),
      userId: input.userId,
      uniquifier: input.uniquifier,
      createdAtMs: input.nowMs,
      lastSeenAtMs: input.nowMs,
      expiresAtMs: input.nowMs + lifetimeMs,
      freshAtMs: input.nowMs,
      graceUntilMs: 0,
      remember: input.remember,
      ip: input.client.ip,
      userAgent: input.client.userAgent,
      fingerprint: sessionFingerprint(input.client),
      aal: input.assurance?.aal ?? 1,
      amr: input.assurance?.amr ?? 'pwd',
      factorAtMs: input.assurance?.factorAtMs ?? 0,
    },
  };
}
