import { describe, expect, it } from 'vitest';
import { secureRandom } from '../../core/crypto/index.ts';
import { createMemoryCounterStore } from '../../stores/memory/counter-store.ts';
import { claimPasskeyChallenge, createPasskeyChallengeCodec } from './passkey-challenge.ts';

const T0 = Date.UTC(2026, 0, 1);
const TTL = 300_000;
const codec = createPasskeyChallengeCodec('k'.repeat(48), TTL, secureRandom);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('passkey challenges', () => {
  it('reads back for its purpose and binding until it expires (exactly at its end it is dead)', () => {
    const issued = codec.issue('second-factor', 'pending-1', T0);
    expect(issued.expiresAtMs).toBe(T0 + TTL);
    expect(issued.bytes.length).toBeGreaterThanOrEqual(16);
    const read = codec.read(text(issued.bytes), 'second-factor', 'pending-1', T0 + TTL - 1);
    expect(read?.expiresAtMs).toBe(T0 + TTL);
    expect(read?.id).toMatch(/^[\w-]{22}$/);
    expect(codec.read(text(issued.bytes), 'second-factor', 'pending-1', T0 + TTL)).toBeUndefined();
  });

  it('is good for nothing else: another binding, another purpose, another key, altered bytes', () => {
    const issued = codec.issue('register', 'session-1', T0);
    const challenge = text(issued.bytes);
    expect(codec.read(challenge, 'register', 'session-2', T0)).toBeUndefined();
    for (const purpose of ['second-factor', 'step-up', 'passwordless'] as const) expect(codec.read(challenge, purpose, 'session-1', T0)).toBeUndefined();
    expect(createPasskeyChallengeCodec('j'.repeat(48), TTL, secureRandom).read(challenge, 'register', 'session-1', T0)).toBeUndefined();
    const altered = Buffer.from(issued.bytes);
    // A later expiry written into the body: the MAC no longer holds.
    altered.writeBigUInt64BE(BigInt(T0 + 10 * TTL), 16);
    expect(codec.read(text(altered), 'register', 'session-1', T0 + 2 * TTL)).toBeUndefined();
    for (const junk of ['', 'a', '!!!!', 'A'.repeat(76), 'A'.repeat(500)]) expect(codec.read(junk, 'register', 'session-1', T0)).toBeUndefined();
  });

  it('each issue is new; the binding is not in the challenge', () => {
    const one = text(codec.issue('passwordless', 'pre:secret-pre-session-id', T0).bytes);
    const two = text(codec.issue('passwordless', 'pre:secret-pre-session-id', T0).bytes);
    expect(one).not.toBe(two);
    expect(Buffer.from(one, 'base64url').toString('latin1')).not.toContain('secret-pre-session-id');
  });

  it('its single use is claimed once, of 20 racing claims', async () => {
    const counters = createMemoryCounterStore();
    const id = codec.read(text(codec.issue('passwordless', 'b', T0).bytes), 'passwordless', 'b', T0)!.id;
    const claims = await Promise.all(Array.from({ length: 20 }, () => claimPasskeyChallenge(counters, id, TTL)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await counters.close();
  });
});
