import { describe, expect, it } from 'vitest';
import { encodeLocation } from './location.ts';

describe('encodeLocation', () => {
  it.each([
    ['Latin-1 (U+00BF)', '/dashboard¿', '/dashboard%C2%BF'],
    ['Latin-1 letters', '/café?q=é', '/caf%C3%A9?q=%C3%A9'],
    ['past U+00FF', '/中文', '/%E4%B8%AD%E6%96%87'],
    ['astral', '/😀', '/%F0%9F%98%80'],
    ['space', '/a b', '/a%20b'],
    ['DEL', '/a\u007f', '/a%7F'],
    ['C1 control', '/a\u0085', '/a%C2%85'],
    ['lone surrogate', '/a\uD800b', '/a%EF%BF%BDb'],
  ])('%s: %j → %j', (_label, target, expected) => {
    expect(encodeLocation(target)).toBe(expected);
  });

  it('matches the WHATWG URL serializer on paths', () => {
    for (const path of ['/dashboard¿', '/ünïcödé/ß', '/x/中/😀', '/a b']) {
      expect(encodeLocation(path)).toBe(new URL(path, 'http://app.example').pathname);
    }
  });

  it('leaves ASCII targets, escapes and structure alone (idempotent)', () => {
    for (const target of ['/', '/a?b=c&d=%2F#frag', 'https://app.example/x?y=1', '/login?next=%2Fdashboard%C2%BF']) {
      expect(encodeLocation(target)).toBe(target);
    }
    const once = encodeLocation('/dashboard¿ x');
    expect(encodeLocation(once)).toBe(once);
  });

  it('always returns printable ASCII', () => {
    let all = '/';
    for (let code = 0; code < 0x800; code++) all += String.fromCharCode(code);
    expect(encodeLocation(all)).toMatch(/^[\x21-\x7e]*$/);
  });
});
