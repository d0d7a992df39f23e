/**
 * @module HTTP: the password policy at registration (JSON and the /register form) — length in code
 * points and never truncated, a 1 MB body, the blocklist, zxcvbn strength with the user's e-mail
 * penalised, whitespace, NUL, lone surrogates, non-strings — and NFC/NFD spellings logging in.
 * Each refusal is a 400 INVALID_INPUT naming `fields.password` with a message that says why, and
 * nothing is written.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/features/identity/index.ts';
import { createTestApp, errorShape, uniqueEmail, type Client, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.dispose();
});

/** A strong password of exactly `length` ASCII characters (random, so zxcvbn scores it 4). */
function randomAscii(length: number): string {
  let out = '';
  while (out.length < length) out += randomBytes(length).toString('base64').replace(/[+/=]/g, '');
  return out.slice(0, length);
}

/** `count` distinct-looking astral code points (CJK Extension B: NFKC leaves them alone), 2 UTF-16 units each. */
function randomAstral(count: number): string {
  const bytes = randomBytes(count * 2);
  let out = '';
  for (let i = 0; i < count; i += 1) out += String.fromCodePoint(0x20000 + (bytes.readUInt16BE(i * 2) % 0xa000));
  return out;
}

async function expectRefusedJson(password: unknown, why: RegExp, email = uniqueEmail('policy')): Promise<void> {
  const before = await t.userCount();
  const c = t.client();
  const { res, body: raw } = await c.json('/auth/register', { json: { email, password } });
  expect(res.status).toBe(400);
  const body = errorShape(raw);
  expect(body.code).toBe('INVALID_INPUT');
  expect(Object.keys(body.fields ?? {})).toEqual(['password']);
  expect(body.fields?.password).toMatch(why);
  // Nothing written, no session.
  expect(c.sessionToken).toBeUndefined();
  expect(await t.stores.users.findUserByEmailKey(emailKey(email))).toBeUndefined();
  expect(await t.userCount()).toBe(before);
}

async function registerForm(c: Client, fields: Record<string, string>): Promise<Response> {
  return c.postForm('/auth/register', fields, { csrfFrom: '/register' });
}

async function login(email: string, password: string): Promise<number> {
  return (await t.client().login({ email, password })).res.status;
}

describe('registration (JSON): each rule refuses with a message that says why, and writes nothing', () => {
  it('too short: 7 characters → "at least 8 characters"', async () => {
    await expectRefusedJson('Zq7#vL2', /at least 8 characters/);
  });

  it('empty → "required"', async () => {
    await expectRefusedJson('', /required/i);
  });

  it('257 code points → "at most 256 characters" (refused, never truncated)', async () => {
    await expectRefusedJson(randomAscii(257), /at most 256 characters/);
  });

  it('257 astral code points (514 UTF-16 units) → refused; length is counted in code points', async () => {
    await expectRefusedJson(randomAstral(257), /at most 256 characters/);
  });

  it('a few thousand characters (within the body limit) → the message names the real limit, 256', async () => {
    // 5,000 characters is a 5 KB body, well under the 64 KB limit: the policy answers, and it must
    // tell the user the limit they can act on (256), not an internal pre-check bound.
    await expectRefusedJson(randomAscii(5_000), /at most 256 characters/);
  });

  it('common password from the blocklist ("password123", also in other cases) → "too common"', async () => {
    await expectRefusedJson('password123', /too common/i);
    await expectRefusedJson('PassWord123', /too common/i);
  });

  it('weak per zxcvbn ("aaaaaaaaaa") → "too easy to guess" with the reason (repeats) and advice', async () => {
    await expectRefusedJson('aaaaaaaaaa', /too easy to guess.*repeat/is);
  });

  it('built from the user\'s own e-mail ("alice.smith2024" for alice.smith@example.com) → refused; the same password is fine for someone else', async () => {
    // Each test file has its own database, so this exact address is free here.
    await expectRefusedJson('alice.smith2024', /too easy to guess.*personal/is, 'alice.smith@example.com');
    const { res } = await t.client().register({ email: uniqueEmail('bob'), password: 'alice.smith2024' });
    expect(res.status).toBe(201);
  });

  it('the e-mail\'s parts are penalised too: "alice.smith2024" is weak for alice.smith+news@example.com', async () => {
    // strength.ts: "The user's e-mail and username, and their parts, are penalised inputs:
    // 'alice.smith2024' is weak for Alice." A plus-tagged address is still Alice's.
    await expectRefusedJson('alice.smith2024', /too easy to guess/i, 'alice.smith+news@example.com');
  });

  it('whitespace only (10 spaces; tabs and spaces) → "only spaces"', async () => {
    await expectRefusedJson(' '.repeat(10), /only spaces/i);
    await expectRefusedJson(' \t \t \t \t \t ', /only spaces|control/i);
  });

  it('NUL inside an otherwise strong password → refused (control character / NUL)', async () => {
    await expectRefusedJson('quartz walnut\u0000lantern orbit', /NUL|control/i);
  });

  it('a lone surrogate → refused ("invalid Unicode" / unpaired surrogate)', async () => {
    // JSON.stringify writes "\ud800" as an escape, which JSON.parse turns back into a lone surrogate.
    await expectRefusedJson('quartz walnut \ud800 lantern orbit', /unicode|surrogate/i);
    await expectRefusedJson('quartz walnut \udfff lantern orbit', /unicode|surrogate/i);
  });

  it('non-strings (number, boolean, array, object, null) → refused', async () => {
    await expectRefusedJson(1234567890123, /must be a string|must be text/i);
    await expectRefusedJson(true, /must be a string|must be text/i);
    await expectRefusedJson(['quartz walnut lantern orbit'], /must be a string|must be text/i);
    await expectRefusedJson({ value: 'quartz walnut lantern orbit' }, /must be a string|must be text/i);
    await expectRefusedJson(null, /required/i);
  });

  it('a 1 MB password: refused by the 64 KB body limit → 413 PAYLOAD_TOO_LARGE, before any parsing or hashing', async () => {
    // Documented behaviour of this route: the body limit answers first (413), not the policy (400).
    const before = await t.userCount();
    const email = uniqueEmail('huge');
    const c = t.client();
    const { res, body } = await c.json('/auth/register', { json: { email, password: 'x'.repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(errorShape(body)).toEqual({ error: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' });
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });
});

describe('registration (form): the form is re-shown with the reason, nothing is written', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['too short', 'Zq7#vL2', /at least 8 characters/],
    ['too long', randomAscii(257), /at most 256 characters/],
    ['common', 'password123', /too common/i],
    ['weak', 'aaaaaaaaaa', /too easy to guess/i],
    ['whitespace only', ' '.repeat(12), /only spaces/i],
    ['NUL', 'quartz walnut\u0000lantern orbit', /NUL|control/i],
  ];
  for (const [name, password, why] of cases) {
    it(`${name} → 400 HTML with the message; the password is not echoed`, async () => {
      const before = await t.userCount();
      const email = uniqueEmail('form');
      const c = t.client();
      const res = await registerForm(c, { email, password });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toMatch(why);
      expect(html).toContain('field-password-error');
      if (password.trim() !== '') expect(html).not.toContain(password.replace('\u0000', ''));
      expect(c.sessionToken).toBeUndefined();
      expect(await t.stores.users.findUserByEmailKey(emailKey(email))).toBeUndefined();
      expect(await t.userCount()).toBe(before);
    });
  }

  it('a 1 MB password in a form → 413 (body limit), no account', async () => {
    const before = await t.userCount();
    const c = t.client();
    const res = await registerForm(c, { email: uniqueEmail('hugeform'), password: 'y'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(c.sessionToken).toBeUndefined();
    expect(await t.userCount()).toBe(before);
  });

  it('a good password through the form → 303 and logged in', async () => {
    const c = t.client();
    const res = await registerForm(c, { email: uniqueEmail('formok'), password: 'quartz walnut lantern orbit' });
    expect(res.status).toBe(303);
    expect(c.sessionToken).toBeTruthy();
  });
});

describe('length is never truncated', () => {
  it('256 characters: accepted (201); logs in with all 256, not with the first 255, nor with one more', async () => {
    const email = uniqueEmail('len256');
    const password = randomAscii(256);
    const { res } = await t.client().register({ email, password });
    expect(res.status).toBe(201);
    expect(await login(email, password)).toBe(200);
    expect(await login(email, password.slice(0, 255))).toBe(401);
    expect(await login(email, password.slice(0, 72))).toBe(401);
    // One character over the maximum can never be the password: refused, not cut to 256.
    const over = await t.client().login({ email, password: `${password}x` });
    expect(over.res.status).not.toBe(200);
  });

  it('256 astral code points (512 UTF-16 units): accepted, and logs in', async () => {
    const email = uniqueEmail('astral');
    const password = randomAstral(256);
    const { res } = await t.client().register({ email, password });
    expect(res.status).toBe(201);
    expect(await login(email, password)).toBe(200);
    expect(await login(email, [...password].slice(0, 255).join(''))).toBe(401);
  });
});

describe('Unicode normalisation: the same password typed composed or decomposed logs in', () => {
  const composed = 'Ångström-Café-🔒';
  const decomposed = composed.normalize('NFD');

  it('the two spellings differ as strings', () => {
    expect(decomposed).not.toBe(composed);
    expect(decomposed.normalize('NFC')).toBe(composed);
  });

  it('registered composed (NFC) → logs in decomposed (NFD) and composed', async () => {
    const email = uniqueEmail('nfc');
    expect((await t.client().register({ email, password: composed })).res.status).toBe(201);
    expect(await login(email, decomposed)).toBe(200);
    expect(await login(email, composed)).toBe(200);
    expect(await login(email, 'Angstrom-Cafe-🔒')).toBe(401);
  });

  it('registered decomposed (NFD) → logs in composed and decomposed', async () => {
    const email = uniqueEmail('nfd');
    expect((await t.client().register({ email, password: decomposed })).res.status).toBe(201);
    expect(await login(email, composed)).toBe(200);
    expect(await login(email, decomposed)).toBe(200);
  });

  it('at the length limit: 256 composed code points (more when decomposed) log in with either spelling', async () => {
    // 128 accented letters + 128 ASCII = 256 code points composed, 384 decomposed. The limit is
    // counted after normalisation, so both spellings are the same 256-character password.
    const accented = ['é', 'å', 'ü', 'ñ', 'ö', 'ç', 'è', 'â'];
    const ascii = randomAscii(128);
    const bytes = randomBytes(128);
    let password = '';
    for (let i = 0; i < 128; i += 1) password += `${accented[(bytes[i] ?? 0) % accented.length]}${ascii[i]}`;
    expect([...password].length).toBe(256);
    expect([...password.normalize('NFD')].length).toBe(384);
    const email = uniqueEmail('nfdlimit');
    expect((await t.client().register({ email, password })).res.status).toBe(201);
    expect(await login(email, password)).toBe(200);
    expect(await login(email, password.normalize('NFD'))).toBe(200);
  });

  it('registered with a decomposed spelling that normalises to 256 code points → that exact spelling logs in', async () => {
    const accented = ['é', 'å', 'ü', 'ñ'];
    const ascii = randomAscii(128);
    let composed256 = '';
    for (let i = 0; i < 128; i += 1) composed256 += `${accented[i % accented.length]}${ascii[i]}`;
    const typed = composed256.normalize('NFD');
    const email = uniqueEmail('nfdreg');
    // Accepted at registration (256 after normalisation)…
    expect((await t.client().register({ email, password: typed })).res.status).toBe(201);
    // …so the very same keystrokes must log in.
    expect(await login(email, typed)).toBe(200);
  });
});
