/**
 * createPasswordPolicy: NIST SP 800-63B rules one by one — normalisation, length in code
 * points (refused, never truncated), cheap refusal of huge input, bad characters, the
 * always-on blocklist, zxcvbn strength with the user's identifiers penalised, and pluggable
 * validators.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMON_PASSWORD_COUNT, createPasswordPolicy, estimatePasswordStrength, isCommonPassword, type PasswordValidator } from './index.ts';

const policy = createPasswordPolicy();
const STRONG = 'correct horse battery staple';
const refusal = (message: string | RegExp) => ({ ok: false, message: expect.stringMatching(message) });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('defaults and normalisation', () => {
  it('NFKC, 8 to 256 characters', () => {
    expect(policy).toMatchObject({ normalization: 'NFKC', minLength: 8, maxLength: 256 });
  });

  it('normalises composed and decomposed spellings to one form', () => {
    expect(policy.normalize('cafe\u0301 au lait')).toBe(policy.normalize('café au lait'));
    expect(policy.normalize('ｐａｓｓ')).toBe('pass');
    expect(createPasswordPolicy({ normalization: 'NFC' }).normalize('ｐａｓｓ')).toBe('ｐａｓｓ');
    expect(createPasswordPolicy({ normalization: 'NFC' }).normalize('e\u0301')).toBe('é');
    expect(createPasswordPolicy({ normalization: 'none' }).normalize('e\u0301')).toBe('e\u0301');
  });

  it('accepts a strong passphrase', async () => {
    await expect(policy.check(STRONG)).resolves.toEqual({ ok: true });
    await expect(policy.check(STRONG.normalize('NFD'), { email: 'a@b.example', username: null })).resolves.toEqual({ ok: true });
  });
});

describe('length', () => {
  it('refuses under the minimum and over the maximum, counted in code points after normalisation', async () => {
    const short = createPasswordPolicy({ minLength: 8, maxLength: 12, minStrength: 0 });
    await expect(short.check('a7#Kq9!')).resolves.toEqual({ ok: false, message: 'Password must be at least 8 characters' });
    await expect(short.check('😀🐢🦊🐙🦉🐝🦄🐳')).resolves.toEqual({ ok: true });
    await expect(short.check('xq7#Kq9!vbn2w')).resolves.toEqual({ ok: false, message: 'Password must be at most 12 characters' });
    await expect(short.check('ﷺ')).resolves.toEqual({ ok: false, message: 'Password must be at most 12 characters' });
  });

  it('refuses 257 characters rather than truncating them', async () => {
    const base = 'Zebra quartz violin 42 marmalade! ';
    const long = base.repeat(8).slice(0, 257);
    await expect(policy.check(long)).resolves.toEqual({ ok: false, message: 'Password must be at most 256 characters' });
  });

  it('refuses a 1 MB password before normalising or running any rule', async () => {
    const rule = vi.fn<PasswordValidator>(() => undefined);
    const normalize = vi.spyOn(String.prototype, 'normalize');
    const guarded = createPasswordPolicy({ validators: [rule] });
    await expect(guarded.check('a'.repeat(1_000_000))).resolves.toEqual(refusal(/at most 256 characters/));
    expect(normalize).not.toHaveBeenCalled();
    expect(rule).not.toHaveBeenCalled();
  });
});

describe('bad input', () => {
  it.each([
    ['not a string', 12345678 as unknown as string, /must be text/],
    ['empty', '', /at least 8/],
    ['only spaces', '          ', /only spaces/],
    ['only Unicode whitespace', '\u3000\u00a0\t\u2003\u3000\u00a0\t\u2003', /only spaces/],
    ['a NUL', 'correct horse\u0000battery', /cannot be used/],
    ['a lone high surrogate', 'correct horse \ud83d battery', /cannot be used/],
    ['a lone low surrogate', 'correct horse \ude00 battery', /cannot be used/],
  ])('%s is refused', async (_label, password, message) => {
    await expect(policy.check(password)).resolves.toEqual(refusal(message));
  });
});

describe('blocklist', () => {
  it(`holds the ${COMMON_PASSWORD_COUNT} common passwords zxcvbn ships`, () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThan(40_000);
    expect(isCommonPassword('iloveyou')).toBe(true);
    expect(isCommonPassword('Correct horse battery staple, with a twist')).toBe(false);
  });

  it.each(['iloveyou', 'SUNSHINE', 'Princess', 'password1', 'trustno1'])('refuses %s, ignoring case', async (password) => {
    await expect(policy.check(password)).resolves.toEqual(refusal(/^This password is too common: it appears in lists of breached passwords/));
  });

  it('stays on when the default rules are replaced or strength is off', async () => {
    for (const options of [{ validators: [] }, { minStrength: 0 as const }]) {
      await expect(createPasswordPolicy(options).check('baseball')).resolves.toEqual(refusal(/too common/));
    }
  });
});

describe('strength (zxcvbn)', () => {
  it('refuses a guessable password, saying why and how to do better', async () => {
    expect(isCommonPassword('asdfghjkl;123')).toBe(false);
    await expect(policy.check('asdfghjkl;123')).resolves.toEqual({
      ok: false,
      message:
        'This password is too easy to guess. Straight rows of keys on your keyboard are easy to guess. ' +
        'Add more words that are less common. Use longer keyboard patterns and change typing direction multiple times.',
    });
  });

  it("penalises the user's own e-mail and username and their parts", async () => {
    const password = 'alice.smith2024';
    await expect(policy.check(password)).resolves.toEqual({ ok: true });
    await expect(policy.check(password, { email: 'alice.smith@example.com' })).resolves.toEqual(
      refusal(/too easy to guess: it is built from your personal details/),
    );
    await expect(policy.check('mycorpname99', { username: 'MyCorpName' })).resolves.toEqual(refusal(/personal/));
    // Pieces in another order, with other separators, still count; unrelated words do not.
    await expect(policy.check('Smith_Alice!1990', { email: 'alice.smith+news@example.com' })).resolves.toEqual(refusal(/personal/));
    await expect(policy.check('alice.marmalade.tuba.1990', { email: 'alice.smith@example.com' })).resolves.toEqual({ ok: true });
  });

  it('minStrength is configurable, 0 turns it off', async () => {
    expect(estimatePasswordStrength('jennifer1987').score).toBeLessThan(3);
    await expect(createPasswordPolicy({ minStrength: 0 }).check('jennifer1987')).resolves.toEqual({ ok: true });
  });

  it('judges long inputs (256 characters of repeats, digits, random) and refuses the weak ones', async () => {
    await expect(policy.check('ab1!'.repeat(64))).resolves.toEqual(refusal(/too easy to guess/));
    await expect(policy.check('1234567890'.repeat(25))).resolves.toEqual(refusal(/too easy to guess/));
    const random = Buffer.from(Array.from({ length: 192 }, (_, index) => (index * 97 + 13) % 256)).toString('base64');
    await expect(policy.check(random)).resolves.toEqual({ ok: true });
  });
});

describe('pluggable validators', () => {
  it('extraValidators run after the defaults, on the normalised password, with the context', async () => {
    const extra = vi.fn<PasswordValidator>(async (password) => (password.includes('portcullis') ? 'Do not use the name of the app' : undefined));
    const custom = createPasswordPolicy({ extraValidators: [extra] });
    await expect(custom.check('ｐｏｒｔｃｕｌｌｉｓ horse battery', { username: 'zed' })).resolves.toEqual({
      ok: false,
      message: 'Do not use the name of the app',
    });
    expect(extra).toHaveBeenCalledWith('portcullis horse battery', { username: 'zed' });
    extra.mockClear();
    await expect(custom.check('jennifer1987')).resolves.toEqual(refusal(/too easy/));
    expect(extra).not.toHaveBeenCalled();
  });

  it('validators replace the defaults', async () => {
    const onlyRule: PasswordValidator = (password) => (password.length < 10 ? 'Ten or more, please' : undefined);
    const custom = createPasswordPolicy({ validators: [onlyRule] });
    await expect(custom.check('jennifer1987')).resolves.toEqual({ ok: true });
    await expect(custom.check('zq8!xk2#p')).resolves.toEqual({ ok: false, message: 'Ten or more, please' });
  });

  it('refuses nonsense options at construction', () => {
    expect(() => createPasswordPolicy({ minLength: 0 })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ minLength: 20, maxLength: 10 })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ maxLength: 1_000_000 })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ minStrength: 5 as 4 })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ normalization: 'NFD' as 'NFC' })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ extraValidators: ['nope' as unknown as PasswordValidator] })).toThrow(TypeError);
  });
});
