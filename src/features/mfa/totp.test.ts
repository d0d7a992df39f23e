import { describe, expect, it } from 'vitest';
import { matchTotpStep, normalizeTotpCode, totpCodeAt, totpKeyUri, totpSecretText, totpStepAt } from './totp.ts';

// RFC 6238 appendix B (SHA-1 key), last six digits.
const RFC_KEY = new TextEncoder().encode('12345678901234567890');

describe('TOTP', () => {
  it('matches the RFC 6238 test vectors', () => {
    expect(totpCodeAt(RFC_KEY, totpStepAt(59_000))).toBe('287082');
    expect(totpCodeAt(RFC_KEY, totpStepAt(1_111_111_109_000))).toBe('081804');
    expect(totpCodeAt(RFC_KEY, totpStepAt(2_000_000_000_000))).toBe('279037');
  });

  it('steps are 30 s: the edge belongs to the next step', () => {
    expect(totpStepAt(29_999)).toBe(0);
    expect(totpStepAt(30_000)).toBe(1);
  });

  it('accepts the previous, current and next step, nothing further', () => {
    const now = 1_111_111_109_000;
    const step = totpStepAt(now);
    for (const offset of [-1, 0, 1]) expect(matchTotpStep(RFC_KEY, totpCodeAt(RFC_KEY, step + offset), now, -1)).toBe(step + offset);
    for (const offset of [-3, -2, 2, 3]) expect(matchTotpStep(RFC_KEY, totpCodeAt(RFC_KEY, step + offset), now, -1)).toBeUndefined();
  });

  it('refuses a code of a step already used, or of an earlier one', () => {
    const now = 1_111_111_109_000;
    const step = totpStepAt(now);
    expect(matchTotpStep(RFC_KEY, totpCodeAt(RFC_KEY, step), now, step)).toBeUndefined();
    expect(matchTotpStep(RFC_KEY, totpCodeAt(RFC_KEY, step - 1), now, step)).toBeUndefined();
    expect(matchTotpStep(RFC_KEY, totpCodeAt(RFC_KEY, step + 1), now, step)).toBe(step + 1);
  });

  it('reads codes with spaces or a dash, refuses anything else', () => {
    expect(normalizeTotpCode('123 456')).toBe('123456');
    expect(normalizeTotpCode('123-456')).toBe('123456');
    for (const bad of ['12345', '1234567', 'abcdef', '١٢٣٤٥٦', '']) expect(normalizeTotpCode(bad)).toBeUndefined();
  });

  it('the key URI and the secret text carry the same base32 secret', () => {
    const uri = new URL(totpKeyUri('Portcullis', 'ann@example.com', RFC_KEY));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(totpSecretText(RFC_KEY));
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('digits')).toBe('6');
  });
});
