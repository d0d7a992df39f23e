import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy } from './index.ts';

const POLICY = { minLength: 8, maxLength: 12 };

describe('checkPasswordPolicy', () => {
  it('accepts the bounds exactly', () => {
    expect(checkPasswordPolicy('a'.repeat(8), POLICY)).toBeUndefined();
    expect(checkPasswordPolicy('a'.repeat(12), POLICY)).toBeUndefined();
  });

  it('refuses one under the minimum and one over the maximum, with the documented messages', () => {
    expect(checkPasswordPolicy('a'.repeat(7), POLICY)).toBe('Password must be at least 8 characters');
    expect(checkPasswordPolicy('a'.repeat(13), POLICY)).toBe('Password must be at most 12 characters');
    expect(checkPasswordPolicy('', POLICY)).toBe('Password must be at least 8 characters');
  });

  it('counts code points, not UTF-16 units: 8 emoji (16 units) meet a minimum of 8, 12 emoji fit a maximum of 12', () => {
    expect(checkPasswordPolicy('😀'.repeat(8), POLICY)).toBeUndefined();
    expect(checkPasswordPolicy('😀'.repeat(12), POLICY)).toBeUndefined();
    expect(checkPasswordPolicy('😀'.repeat(7), POLICY)).toBe('Password must be at least 8 characters');
    expect(checkPasswordPolicy('😀'.repeat(13), POLICY)).toBe('Password must be at most 12 characters');
  });

  it('counts after NFKC: four ligatures "ﬀ" are 8 characters', () => {
    expect([...'ﬀﬀﬀﬀ'].length).toBe(4);
    expect(checkPasswordPolicy('ﬀﬀﬀﬀ', POLICY)).toBeUndefined();
  });

  it('counts after NFKC: one "ﷺ" expands to 18 characters, over a maximum of 12', () => {
    expect(checkPasswordPolicy('ﷺ', POLICY)).toBe('Password must be at most 12 characters');
  });

  it('counts after NFKC: a decomposed accent composes into one character', () => {
    // 7 letters + e + combining acute = 9 code points raw, 8 after NFKC.
    expect(checkPasswordPolicy('abcdefge\u0301', { minLength: 9, maxLength: 64 })).toBe('Password must be at least 9 characters');
    expect(checkPasswordPolicy('abcdefge\u0301', POLICY)).toBeUndefined();
  });

  it('full-width letters count as themselves', () => {
    expect(checkPasswordPolicy('ｐａｓｓｗｏｒｄ', POLICY)).toBeUndefined();
  });

  it('imposes no composition rules (NIST): spaces and one repeated letter are fine', () => {
    expect(checkPasswordPolicy('        ', POLICY)).toBeUndefined();
    expect(checkPasswordPolicy('aaaaaaaaa', POLICY)).toBeUndefined();
  });
});
