import { describe, expect, it } from 'vitest';
import { secureRandom } from '../../core/crypto/index.ts';
import { createPendingCodec } from './pending.ts';

const T0 = Date.UTC(2026, 0, 1);
const codec = createPendingCodec('k'.repeat(48), 300_000, secureRandom);

describe('pending sign-in', () => {
  it('reads back what it made, until it expires (exactly at its end it is dead)', () => {
    const { token, pending } = codec.create({ userId: 'u1', uniquifier: 'q1', remember: true, firstFactor: 'pwd', nowMs: T0 });
    expect(codec.read(token, T0 + 299_999)).toEqual(pending);
    expect(codec.read(token, T0 + 300_000)).toBeUndefined();
    expect(codec.matchesUniquifier(pending, 'q1')).toBe(true);
    expect(codec.matchesUniquifier(pending, 'q2')).toBe(false);
  });

  it('refuses a forged, altered or foreign token', () => {
    const { token } = codec.create({ userId: 'u1', uniquifier: 'q1', remember: false, firstFactor: 'pwd', nowMs: T0 });
    const [body, mac] = token.split('.');
    const altered = Buffer.from(JSON.stringify(['x', 'u2', 'd', 0, 'pwd', T0 + 1e9])).toString('base64url');
    expect(codec.read(`${altered}.${mac}`, T0)).toBeUndefined();
    expect(codec.read(`${body}.${mac}x`, T0)).toBeUndefined();
    expect(codec.read(token, T0)).toBeDefined();
    const other = createPendingCodec('o'.repeat(48), 300_000, secureRandom);
    expect(other.read(token, T0)).toBeUndefined();
    for (const bad of ['', '.', 'a.b.c', 'x'.repeat(2000)]) expect(codec.read(bad, T0)).toBeUndefined();
  });
});
