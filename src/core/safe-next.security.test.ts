import { describe, expect, it } from 'vitest';
import { isSafeNext, safeNext } from './safe-next.ts';

const FALLBACK = '/home';
const BASE = 'https://app.example';

/** Decodes until nothing changes (or it stops being decodable): what a chain of lenient layers could do. */
function decodeRepeatedly(value: string): string {
  let current = value;
  for (let i = 0; i < 20; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (decoded === current) return current;
    current = decoded;
  }
  return current;
}

describe('safeNext: same-origin relative paths are honoured', () => {
  it.each(['/dashboard', '/a?b=c#d', '/', '/account/sessions?tab=api%20tokens', '/docs/%E2%9C%93', '/a/b/../c'])('keeps %j', (next) => {
    expect(safeNext(next, FALLBACK)).toBe(next);
    expect(new URL(next, BASE).origin).toBe(BASE);
  });

  it('keeps a path of exactly 2048 characters', () => {
    const next = '/' + 'a'.repeat(2047);
    expect(safeNext(next, FALLBACK)).toBe(next);
  });
});

describe('safeNext: open-redirect attempts fall back', () => {
  it.each([
    ['protocol-relative', '//evil.com'],
    ['protocol-relative with path', '//evil.com/dashboard'],
    ['triple slash', '///evil.com'],
    ['slash backslash', '/\\evil.com'],
    ['backslash backslash', '\\\\evil.com'],
    ['single backslash', '\\evil.com'],
    ['backslash inside', '/foo\\..\\\\evil.com'],
    ['absolute https', 'https://evil.com'],
    ['absolute http', 'http://evil.com/dashboard'],
    ['upper-case scheme', 'HTTPS://evil.com'],
    ['scheme without slashes', 'https:evil.com'],
    ['javascript', 'javascript:alert(1)'],
    ['JavaScript mixed case', 'JaVaScRiPt:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['relative without slash', 'dashboard'],
    ['leading space', ' /dashboard'],
    ['encoded slashes, no leading slash', '%2F%2Fevil.com'],
    ['slash then encoded slashes', '/%2F%2Fevil.com'],
    ['slash then lower-case encoded slash', '/%2fevil.com'],
    ['double-encoded slashes', '/%252F%252Fevil.com'],
    ['double-encoded, no leading slash', '%252F%252Fevil.com'],
    ['triple-encoded slashes', '/%25252F%25252Fevil.com'],
    ['encoded backslash', '/%5Cevil.com'],
    ['encoded backslash lower case', '/%5cevil.com'],
    ['double-encoded backslash', '/%255Cevil.com'],
    ['tab inside', '/\tfoo'],
    ['literal backslash-t', '/\\tfoo'],
    ['tab that URL parsing strips', '/\t/evil.com'],
    ['encoded tab then slash', '/%09/evil.com'],
    ['newline', '/\nfoo'],
    ['CRLF header injection', '/%0d%0aSet-Cookie:x'],
    ['raw CRLF', '/\r\nSet-Cookie:x'],
    ['NUL', '/foo\u0000'],
    ['encoded NUL', '/foo%00'],
    ['DEL', '/foo\u007f'],
    ['C1 control', '/foo\u0085'],
    ['bad percent escape', '/%E0%A4%A'],
    ['encoded lone surrogate', '/%ED%A0%80'],
  ])('%s: %j', (_label, next) => {
    expect(isSafeNext(next)).toBe(false);
    expect(safeNext(next, FALLBACK)).toBe(FALLBACK);
  });

  it.each([
    ['lone high surrogate', '/a\uD800'],
    ['lone low surrogate', '/\uDC00b'],
    ['reversed pair', '/\uDC00\uD800'],
  ])('refuses ill-formed Unicode: %s', (_label, next) => {
    expect(safeNext(next, FALLBACK)).toBe(FALLBACK);
  });

  it('refuses the empty string', () => {
    expect(safeNext('', FALLBACK)).toBe(FALLBACK);
  });

  it.each([undefined, null, 0, 42, true, {}, ['/dashboard'], { toString: () => '/dashboard' }, new String('/dashboard'), Symbol('x')])(
    'refuses the non-string %s',
    (next) => {
      expect(safeNext(next, FALLBACK)).toBe(FALLBACK);
    },
  );

  it.each([2049, 10_000, 1_000_000])('refuses a path of %d characters', (length) => {
    expect(safeNext('/' + 'a'.repeat(length - 1), FALLBACK)).toBe(FALLBACK);
  });

  it('refuses a long encoded payload quickly, without throwing', () => {
    expect(safeNext('/' + '%25'.repeat(100_000), FALLBACK)).toBe(FALLBACK);
  });
});

describe('safeNext: decoding cannot turn an accepted path into an off-site one', () => {
  // The rule (module doc, API.md): "checked after percent-decoding". Whatever is accepted must stay
  // a same-origin path however many times a later layer decodes it.
  const depths = [1, 2, 3, 4, 5, 6];
  const encode = (value: string, times: number) => {
    let current = value;
    for (let i = 0; i < times; i++) current = encodeURIComponent(current);
    return current;
  };

  it.each([1, 2, 3])('//evil.com and \\evil.com percent-encoded %d time(s) after a leading slash are refused', (times) => {
    expect(safeNext('/' + encode('/evil.com', times), FALLBACK)).toBe(FALLBACK);
    expect(safeNext('/' + encode('\\evil.com', times), FALLBACK)).toBe(FALLBACK);
  });

  it('deeper encodings (4 to 6 rounds) are refused too: a path that is still percent-encoded after the last round is not "checked after decoding"', () => {
    for (const times of [4, 5, 6]) {
      for (const payload of ['/evil.com', '\\evil.com']) {
        const next = '/' + encode(payload, times);
        expect(safeNext(next, FALLBACK), `${payload} encoded ${times} times: ${next}`).toBe(FALLBACK);
      }
    }
  });

  it('every accepted candidate, decoded repeatedly, is still a same-origin path', () => {
    const candidates = depths.flatMap((times) => ['/' + encode('/evil.com', times), '/' + encode('\\evil.com', times), '/' + encode('\r\nX: y', times)]);
    for (const next of candidates) {
      const result = safeNext(next, FALLBACK);
      const final = decodeRepeatedly(result);
      expect(final.startsWith('/') && !final.startsWith('//') && !final.includes('\\'), `${next} → ${result} → ${final}`).toBe(true);
      expect(new URL(final, BASE).origin).toBe(BASE);
    }
  });
});

describe('safeNext: judged as a browser resolves it (dot segments, backslashes, encoded slashes, tabs)', () => {
  it.each([
    ['dot segment before a double slash', '/..//evil.example'],
    ['dot segment deeper', '/a/..//evil.example'],
    ['two dot segments', '/a/b/../..//evil.example'],
    ['single dot', '/.//evil.example'],
    ['encoded dot segment', '/%2e%2e//evil.example'],
    ['upper-case encoded dot segment', '/%2E%2E//evil.example'],
    ['mixed encoded dot segment', '/.%2e//evil.example'],
    ['dot segment then encoded slash', '/../%2Fevil.example'],
    ['dot segment then encoded slash (lower case)', '/..%2f/%2fevil.example'],
    ['dot segment, encoded slashes only', '/.%2e/%2F%2Fevil.example'],
    ['dot segments past the root', '/../../..//evil.example'],
    ['dot segment with a query', '/..//evil.example?x=1'],
  ])('%s: %j falls back', (_label, next) => {
    expect(isSafeNext(next)).toBe(false);
    expect(safeNext(next, FALLBACK)).toBe(FALLBACK);
  });

  it.each(['/a/../b', '/a/./b', '/a/..', '/..', '/./dashboard', '/a/%2e%2e/b', '/docs/..%2Fx'])('keeps the same-origin path %j', (next) => {
    expect(safeNext(next, FALLBACK)).toBe(next);
    const resolved = new URL(next, BASE);
    expect(resolved.origin).toBe(BASE);
    expect(resolved.pathname.startsWith('//')).toBe(false);
  });

  it('whatever is accepted resolves to a path that does not start with // (decoded or not)', () => {
    const pieces = ['/', '//', '.', '..', '%2e', '%2E%2e', '%2F', '%5C', 'evil.example', 'a'];
    const candidates: string[] = [];
    for (const a of pieces) for (const b of pieces) for (const c of pieces) candidates.push(`/${a}${b}${c}`, `/${a}/${b}/${c}`);
    for (const next of candidates) {
      if (!isSafeNext(next)) continue;
      const path = new URL(next, BASE).pathname;
      expect(path.startsWith('//'), `${next} → ${path}`).toBe(false);
      expect(decodeRepeatedly(path).startsWith('//'), `${next} → ${path}`).toBe(false);
      expect(new URL(decodeRepeatedly(path), BASE).origin, next).toBe(BASE);
    }
  });
});
