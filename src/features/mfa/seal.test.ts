import { describe, expect, it } from 'vitest';
import { secureRandom } from '../../core/crypto/index.ts';
import { createSecretSealer } from './seal.ts';

const KEY_A = 'a'.repeat(48);
const KEY_B = 'b'.repeat(48);
const SECRET = Uint8Array.from({ length: 20 }, (_, i) => i);

describe('sealing secrets at rest', () => {
  it('round-trips, and the sealed text contains no trace of the secret', () => {
    const sealer = createSecretSealer(KEY_A, [], secureRandom);
    const sealed = sealer.seal('u1', SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(sealer.open('u1', sealed)).toEqual({ secret: SECRET, stale: false });
    expect(sealer.seal('u1', SECRET)).not.toBe(sealed);
  });

  it('does not open for another user (a sealed secret copied between accounts)', () => {
    const sealer = createSecretSealer(KEY_A, [], secureRandom);
    expect(sealer.open('u2', sealer.seal('u1', SECRET))).toBeUndefined();
  });

  it('does not open when tampered with or malformed', () => {
    const sealer = createSecretSealer(KEY_A, [], secureRandom);
    const sealed = sealer.seal('u1', SECRET);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    expect(sealer.open('u1', [...parts.slice(0, 3), body.toString('base64url')].join('.'))).toBeUndefined();
    for (const bad of ['', 'v1', 'v2.x.y.z', `${sealed}.extra`, 'v1.nokey.AAAA.AAAA']) expect(sealer.open('u1', bad)).toBeUndefined();
  });

  it('after rotation the previous key opens old secrets (marked stale, to re-seal); without it they do not open', () => {
    const old = createSecretSealer(KEY_A, [], secureRandom).seal('u1', SECRET);
    const rotated = createSecretSealer(KEY_B, [KEY_A], secureRandom);
    expect(rotated.open('u1', old)).toEqual({ secret: SECRET, stale: true });
    const resealed = rotated.seal('u1', SECRET);
    expect(createSecretSealer(KEY_B, [], secureRandom).open('u1', resealed)).toEqual({ secret: SECRET, stale: false });
    expect(createSecretSealer(KEY_B, [], secureRandom).open('u1', old)).toBeUndefined();
  });
});
