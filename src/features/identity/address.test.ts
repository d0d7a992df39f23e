import { describe, expect, it } from 'vitest';
import { emailKey, isSingleScript, parseEmailAddress } from './address.ts';

const ok = (input: string) => {
  const parsed = parseEmailAddress(input);
  if (!parsed.ok) throw new Error(`refused ${JSON.stringify(input)}: ${parsed.problem}`);
  return parsed;
};

describe('parseEmailAddress: accepted and normalised', () => {
  it.each([
    ['ann@example.com', 'ann@example.com'],
    ['  Ann.Lee+tag@Mail.Example.COM ', 'Ann.Lee+tag@Mail.Example.COM'],
    ['ｍａｒｙ@example.com', 'mary@example.com'],
    ['ﬁnn@example.com', 'finn@example.com'],
    ["o'hara@example.ie", "o'hara@example.ie"],
    ['zoë@example.de', 'zoë@example.de'],
    ['a@b.co', 'a@b.co'],
  ])('%j → %j', (input, address) => {
    expect(ok(input).address).toBe(address);
  });

  it('composes decomposed accents (NFC), so both spellings are one address and one key', () => {
    const decomposed = ok('Zoe\u0301@example.com');
    const composed = ok('zo\u00e9@example.com');
    expect(decomposed.address).toBe('Zo\u00e9@example.com');
    expect(decomposed.key).toBe(composed.key);
  });

  it('stores and keys an internationalised domain in its ASCII (IDNA) form, shows it in Unicode', () => {
    const parsed = ok('kurt@BÜCHER.de');
    expect(parsed.address).toBe('kurt@xn--bcher-kva.de');
    expect(parsed.domain).toBe('xn--bcher-kva.de');
    expect(parsed.displayDomain).toBe('bücher.de');
    expect(ok('kurt@xn--bcher-kva.de').key).toBe(parsed.key);
  });

  it('accepts a local part of one non-Latin script and Japanese mixing Han and kana', () => {
    expect(ok('иван@пример.рф').address).toBe('иван@xn--e1afmkfd.xn--p1ai');
    expect(ok('たなか太郎@example.jp').localPart).toBe('たなか太郎');
  });

  it('keys case-insensitively', () => {
    expect(ok('ANN@EXAMPLE.COM').key).toBe(ok('ann@example.com').key);
  });
});

describe('parseEmailAddress: refused', () => {
  it.each([
    ['"a@evil"@victim.example', 'quoted'],
    ['"ann"@example.com', 'quoted'],
    ['Ann <ann@example.com>', 'display_name'],
    ['<ann@example.com>', 'display_name'],
    ['ann@example.com, eve@evil.example', 'list'],
    ['ann@example.com;eve@evil.example', 'list'],
    ['user1@example.test(".,)),\',(', 'quoted'],
    ['ann(comment)@example.com', 'comment'],
    ['ann@example.com\r\nBcc: eve@evil.example', 'control'],
    ['ann@example.com\n', 'control'],
    ['ann\u0000@example.com', 'control'],
    ['ann\u202e@example.com', 'control'],
    ['ann\u200b@example.com', 'control'],
    ['ann@@example.com', 'shape'],
    ['ann@ex@ample.com', 'shape'],
    ['ann', 'shape'],
    ['@example.com', 'shape'],
    ['ann@', 'shape'],
    ['ann lee@example.com', 'shape'],
    ['ann@[127.0.0.1]', 'shape'],
    ['ann\\@example.com', 'shape'],
    ['.ann@example.com', 'local_part'],
    ['ann.@example.com', 'local_part'],
    ['an..n@example.com', 'local_part'],
    [`${'a'.repeat(65)}@example.com`, 'local_part'],
    ['ann@example', 'domain'],
    ['ann@example.com.', 'domain'],
    ['ann@.example.com', 'domain'],
    ['ann@example..com', 'domain'],
    ['ann@-example.com', 'domain'],
    ['ann@exa_mple.com', 'domain'],
    ['ann@1.2.3.4', 'domain'],
    ['pаypal@example.com', 'confusable'],
    ['ann@pаypal.com', 'confusable'],
    ['＂a@evil.example＂@victim.example', 'quoted'],
    ['ann＠evil.example@victim.example', 'shape'],
    ['', 'empty'],
    ['   ', 'empty'],
    [`${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.com`, 'too_long'],
  ])('%j (%s)', (input, problem) => {
    const parsed = parseEmailAddress(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toBe(problem);
      expect(parsed.message).not.toContain(input.trim() || '\u0000');
    }
  });

  it('refuses what is not a string or not well-formed Unicode', () => {
    expect(parseEmailAddress(42).ok).toBe(false);
    expect(parseEmailAddress(['a@b.co']).ok).toBe(false);
    expect(parseEmailAddress('ann\ud800@example.com').ok).toBe(false);
  });
});

describe('isSingleScript', () => {
  it.each([
    ['paypal', true],
    ['иван', true],
    ['ann2024', true],
    ['太郎たなか', true],
    ['김철수金', true],
    ['pаypal', false],
    ['αlpha', false],
  ])('%j → %s', (text, expected) => {
    expect(isSingleScript(text)).toBe(expected);
  });
});

describe('emailKey', () => {
  it('matches the parsed key for a valid address, whatever the domain form typed', () => {
    expect(emailKey('Kurt@bücher.DE')).toBe(ok('kurt@xn--bcher-kva.de').key);
  });

  it('still gives a key for text the policy refuses (a login identity is looked up, never stored)', () => {
    expect(emailKey('  Not An Address ')).toBe('not an address');
  });
});
