import { describe, expect, it } from 'vitest';
import { AuthError } from './errors.ts';
import { checkText, FieldCollector, mediaType, readBodyFields, readFlag, type TextRule } from './input.ts';

const URL_ = 'http://app.example/auth/login';
const LIMIT = 1024;

const post = (body: BodyInit, contentType?: string, extra: Record<string, string> = {}) =>
  new Request(URL_, { method: 'POST', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...extra } });
const json = (text: string) => post(text, 'application/json');
const form = (text: string) => post(text, 'application/x-www-form-urlencoded');

describe('readBodyFields: JSON', () => {
  it('reads a JSON object', async () => {
    await expect(readBodyFields(json('{"email":"ann@example.com","password":"pw","remember":true}'), LIMIT)).resolves.toEqual({
      email: 'ann@example.com',
      password: 'pw',
      remember: true,
    });
  });

  it('accepts media type parameters and any case', async () => {
    await expect(readBodyFields(post('{"a":1}', 'Application/JSON; charset=utf-8'), LIMIT)).resolves.toEqual({ a: 1 });
  });

  it('reads a body of exactly the limit', async () => {
    const text = JSON.stringify({ a: 'x'.repeat(LIMIT - 8) });
    expect(Buffer.byteLength(text)).toBe(LIMIT);
    await expect(readBodyFields(json(text), LIMIT)).resolves.toEqual({ a: 'x'.repeat(LIMIT - 8) });
  });

  it('reads multi-byte characters', async () => {
    await expect(readBodyFields(json('{"name":"Zoë 😀"}'), LIMIT)).resolves.toEqual({ name: 'Zoë 😀' });
  });
});

describe('readBodyFields: forms', () => {
  it('reads an urlencoded form', async () => {
    await expect(readBodyFields(form('email=ann%40example.com&password=p+w%26x'), LIMIT)).resolves.toEqual({ email: 'ann@example.com', password: 'p w&x' });
  });

  it('keeps the first value of a repeated field', async () => {
    const fields = await readBodyFields(form('role=user&role=admin&next=%2Fa&next=%2F%2Fevil.com'), LIMIT);
    expect(fields['role']).toBe('user');
    expect(fields['next']).toBe('/a');
  });

  it('gives plain strings, never arrays', async () => {
    const fields = await readBodyFields(form('a=1&a=2&b[]=3'), LIMIT);
    expect(fields).toEqual({ a: '1', 'b[]': '3' });
  });
});

describe('readBodyFields: empty bodies', () => {
  it('an empty JSON body is {}', async () => {
    await expect(readBodyFields(json(''), LIMIT)).resolves.toEqual({});
  });

  it('an empty form is {}', async () => {
    await expect(readBodyFields(form(''), LIMIT)).resolves.toEqual({});
  });

  it('a request without a body is {}', async () => {
    await expect(readBodyFields(new Request(URL_, { method: 'POST' }), LIMIT)).resolves.toEqual({});
    await expect(readBodyFields(new Request(URL_), LIMIT)).resolves.toEqual({});
  });
});

describe('mediaType and readFlag', () => {
  it('mediaType lower-cases and drops parameters', () => {
    expect(mediaType(post('x', 'Text/HTML; charset=utf-8'))).toBe('text/html');
    expect(mediaType(new Request(URL_))).toBeUndefined();
  });

  it.each([
    [true, true],
    ['on', true],
    ['1', true],
    ['true', true],
    [false, false],
    ['false', false],
    ['0', false],
    ['', false],
    ['yes', false],
    [1, false],
    [undefined, false],
    [null, false],
    [{}, false],
  ])('readFlag(%j) is %s', (value, expected) => {
    expect(readFlag(value)).toBe(expected);
  });
});

describe('checkText', () => {
  const rule: TextRule = { label: 'Name', maxLength: 5, minLength: 2 };

  it('returns a valid string unchanged', () => {
    expect(checkText('Ann', rule)).toEqual({ ok: true, value: 'Ann' });
  });

  it.each([undefined, null, ''])('%j is required', (value) => {
    expect(checkText(value, rule)).toEqual({ ok: false, message: 'Name is required' });
  });

  it.each([42, 0, true, false, {}, [], ['Ann'], Symbol('x'), 10n, new String('Ann')])('refuses the non-string %s', (value) => {
    expect(checkText(value, rule)).toEqual({ ok: false, message: 'Name must be a string' });
  });

  it.each(['\uD800', 'a\uDC00', 'ab\uDBFF', '\uDC00\uD800'])('refuses lone surrogates in %j', (value) => {
    expect(checkText(value, rule)).toEqual({ ok: false, message: 'Name contains invalid Unicode' });
  });

  it('refuses NUL, even where control characters are allowed', () => {
    expect(checkText('a\u0000b', rule)).toEqual({ ok: false, message: 'Name contains control characters' });
    expect(checkText('a\u0000b', { ...rule, allowControl: true })).toEqual({ ok: false, message: 'Name contains control characters' });
  });

  it.each(['a\tb', 'a\nb', 'a\rb', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009fb', 'a\u2028b', 'a\u2029b'])(
    'refuses the control character in %j',
    (value) => {
      expect(checkText(value, rule)).toEqual({ ok: false, message: 'Name contains control characters' });
    },
  );

  it('allows other control characters when the rule says so (passwords)', () => {
    expect(checkText('a\tb\n', { ...rule, allowControl: true })).toEqual({ ok: true, value: 'a\tb\n' });
  });

  it('counts length in code points: four emoji (8 UTF-16 units) fit in 5', () => {
    const value = '😀😀😀😀';
    expect(value.length).toBe(8);
    expect(checkText(value, rule)).toEqual({ ok: true, value });
    expect(checkText('😀😀😀😀😀', rule)).toEqual({ ok: true, value: '😀😀😀😀😀' });
  });

  it('refuses one code point over the maximum', () => {
    expect(checkText('😀😀😀😀😀😀', rule)).toEqual({ ok: false, message: 'Name must be at most 5 characters' });
    expect(checkText('abcdef', rule)).toEqual({ ok: false, message: 'Name must be at most 5 characters' });
  });

  it('one emoji (2 UTF-16 units) is one character, under a minimum of 2', () => {
    expect(checkText('😀', rule)).toEqual({ ok: false, message: 'Name must be at least 2 characters' });
    expect(checkText('😀😀', rule)).toEqual({ ok: true, value: '😀😀' });
  });

  it('without a minimum, one character is enough', () => {
    expect(checkText('a', { label: 'X', maxLength: 1 })).toEqual({ ok: true, value: 'a' });
  });
});

describe('FieldCollector', () => {
  const rule: TextRule = { label: 'Field', maxLength: 3 };

  it('returns checked values and does not throw when all are valid', () => {
    const fields = new FieldCollector();
    expect(fields.text('a', 'abc', rule)).toBe('abc');
    expect(() => fields.throwIfAny()).not.toThrow();
  });

  it('collects every bad field into one INVALID_INPUT error', () => {
    const fields = new FieldCollector();
    expect(fields.text('email', undefined, { label: 'E-mail', maxLength: 254 })).toBe('');
    expect(fields.text('password', 42, { label: 'Password', maxLength: 64 })).toBe('');
    expect(fields.text('username', 'ok', rule)).toBe('ok');
    fields.add('terms', 'Accept the terms');
    let thrown: unknown;
    try {
      fields.throwIfAny();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    const error = thrown as AuthError;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.status).toBe(400);
    expect(error.fields).toEqual({ email: 'E-mail is required', password: 'Password must be a string', terms: 'Accept the terms' });
    expect(error.toJSON()).toEqual({
      error: 'Invalid input',
      code: 'INVALID_INPUT',
      fields: { email: 'E-mail is required', password: 'Password must be a string', terms: 'Accept the terms' },
    });
  });

  it('keeps the first message of a field', () => {
    const fields = new FieldCollector();
    fields.text('name', '', rule);
    fields.add('name', 'Second message');
    fields.text('name', 'toolong', rule);
    expect(() => fields.throwIfAny()).toThrow(expect.objectContaining({ fields: { name: 'Field is required' } }));
  });
});
