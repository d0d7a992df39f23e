import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../core/crypto/index.ts';
import type { ClientInfo } from '../../core/request-context.ts';
import { issueSession, type SessionPolicy } from './issue.ts';

const POLICY: SessionPolicy = {
  idleTimeoutMs: 2 * 60 * 60 * 1000,
  maxAgeMs: 24 * 60 * 60 * 1000,
  rememberMeMaxAgeMs: 30 * 24 * 60 * 60 * 1000,
  protection: 'basic',
  touchIntervalMs: 60_000,
};
const CLIENT: ClientInfo = { ip: '203.0.113.5', userAgent: 'Mozilla/5.0 Test', secure: true };
const NOW_MS = Date.UTC(2026, 0, 1);

/** Deterministic bytes: a fresh source repeats the same sequence. */
function countingRandom(): RandomSource {
  let next = 0;
  return (byteLength) => Uint8Array.from({ length: byteLength }, () => next++ & 0xff);
}

function issue(remember: boolean, random: RandomSource = countingRandom()) {
  return issueSession({ userId: 'user-1', uniquifier: 'uniq-1', remember, client: CLIENT, nowMs: NOW_MS, policy: POLICY, random });
}

describe('issueSession', () => {
  it('makes a 256-bit base64url token', () => {
    const { token } = issue(false, undefined);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url').byteLength).toBe(32);
  });

  it('draws the token from the injected random source', () => {
    const { token } = issue(false);
    expect(Buffer.from(token, 'base64url')).toEqual(Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i)));
  });

  it('gives different tokens and ids with a real random source', async () => {
    const { secureRandom } = await import('../../core/crypto/index.ts');
    const a = issue(false, secureRandom);
    const b = issue(false, secureRandom);
    expect(a.token).not.toBe(b.token);
    expect(a.record.id).not.toBe(b.record.id);
  });

  it('keeps only the SHA-256 of the token in the record, never the token', () => {
    const { token, record } = issue(false);
    expect(record.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(token);
    expect(Object.values(record)).not.toContain(token);
  });

  it('uses a public id that is not derived from the token', () => {
    const { token, record } = issue(false);
    expect(record.id).toMatch(/^[0-9a-f]{32}$/);
    expect(record.id).not.toBe(token);
    expect(token).not.toContain(record.id);
  });

  it('fills the record from its inputs: fresh now, no grace, lifetime from policy', () => {
    const { record } = issue(false);
    expect(record).toMatchObject({
      userId: 'user-1',
      uniquifier: 'uniq-1',
      createdAtMs: NOW_MS,
      lastSeenAtMs: NOW_MS,
      expiresAtMs: NOW_MS + POLICY.maxAgeMs,
      freshAtMs: NOW_MS,
      graceUntilMs: 0,
      remember: false,
      ip: CLIENT.ip,
      userAgent: CLIENT.userAgent,
    });
    expect(record.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('remember-me changes only the absolute expiry (and the remember flag)', () => {
    const plain = issue(false);
    const remembered = issue(true);
    expect(remembered.token).toBe(plain.token);
    expect(remembered.record.expiresAtMs).toBe(NOW_MS + POLICY.rememberMeMaxAgeMs);
    expect(plain.record.expiresAtMs).toBe(NOW_MS + POLICY.maxAgeMs);
    const { expiresAtMs: _a, remember: _b, ...plainRest } = plain.record;
    const { expiresAtMs: _c, remember: _d, ...rememberedRest } = remembered.record;
    expect(rememberedRest).toEqual(plainRest);
    expect(remembered.record.remember).toBe(true);
  });
});
