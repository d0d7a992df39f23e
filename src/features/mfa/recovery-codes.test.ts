import { describe, expect, it } from 'vitest';
import { secureRandom } from '../../core/crypto/index.ts';
import { createRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';

describe('recovery codes', () => {
  it('makes ten distinct codes of the shape xxxxx-xxxxx', () => {
    const codes = createRecoveryCodes(secureRandom);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  });

  it('hashes what was typed regardless of case, spaces and dash; the hash is not the code', () => {
    const [code] = createRecoveryCodes(secureRandom, 1);
    const hash = recoveryCodeHash(code!);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash(code!.toUpperCase())).toBe(hash);
    expect(recoveryCodeHash(code!.replace('-', ' '))).toBe(hash);
    expect(hash).not.toContain(code!.replace('-', ''));
  });

  it('refuses what cannot be a code', () => {
    for (const bad of ['', 'short', 'abcde-abcd1', 'abcde-abcdel', 'ééééé-ééééé']) expect(recoveryCodeHash(bad)).toBeUndefined();
  });
});
