/**
 * @module Independent review (session 7) — secrets and bad input across today's three features in
 * one app (passkeys, remembered devices, form_post): the passkey challenge, the form_post handle
 * and authorization code, and the device mark never reach the security log, an audit record or a
 * response that should not carry them; odd names, methods and paths answer a documented 4xx, never
 * a 500. These pass (no bug found): coverage the features' own suites lack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityLogger } from '../../src/features/audit/index.ts';
import { DAY, PASSWORD, PUBLIC_ORIGIN, uniqueEmail, type Client } from '../http/harness.ts';
import { enrolTotp, totpCode } from '../http/mfa-helpers.ts';
import type { RequestOptionsJSON } from '../http/passkey-authenticator.ts';
import { newAuthenticator, passwordlessLogin, registerPasskey } from '../http/passkey-helpers.ts';
import {
  FORM_POST_CALLBACK_PATH,
  answerAtProvider,
  continuedTo,
  createSocialApp,
  postAnswer,
  providerAccount,
  type SocialSetup,
} from '../social/harness.ts';

const lines: string[] = [];
const logger: SecurityLogger = {
  info: (fields, message) => void lines.push(JSON.stringify({ ...fields, msg: message })),
  warn: (fields, message) => void lines.push(JSON.stringify({ ...fields, msg: message })),
};

let s: SocialSetup;
beforeAll(async () => {
  s = await createSocialApp({ formPost: true, securityLogger: logger, mfa: { rememberDeviceMs: 30 * DAY } });
});
afterAll(async () => {
  await s?.dispose();
});

/** Everything a secret could leak into, besides the response that hands it out: the log lines and every audit row. */
async function everythingLogged(): Promise<string> {
  await s.t.auth.flush();
  const { records } = await s.t.stores.audit.listAuditRecords({ offset: 0, limit: 5000 });
  return `${lines.join('\n')}\n${JSON.stringify(records)}`;
}

describe('review: secrets stay out of logs and audit', () => {
  it('a passkey challenge (registration, passwordless), a form_post handle and code, a device mark', async () => {
    const secrets: Record<string, string> = {};
    // Passkeys: a registration challenge and a passwordless challenge, both used.
    const owner = s.t.client();
    const user = await owner.signUp();
    const authenticator = newAuthenticator();
    await registerPasskey(owner, authenticator);
    const elsewhere = s.t.client();
    const options = await elsewhere.json<RequestOptionsJSON>('/auth/passkeys/login/options', { method: 'POST', json: {} });
    secrets.passwordlessChallenge = options.body.challenge;
    expect((await passwordlessLogin(elsewhere, authenticator.get(options.body))).res.status).toBe(200);
    // …and a failed one (a replay): the refusal is logged, never the challenge.
    expect((await passwordlessLogin(s.t.client(), authenticator.get(options.body))).res.status).toBe(401);

    // form_post: the code and the handle.
    const client = s.t.client();
    const { action, fields } = await answerAtProvider(client, providerAccount(s.op, { email: uniqueEmail('apple'), email_verified: true }));
    secrets.code = fields.code ?? '';
    const posted = await postAnswer(client, action, fields, { issuer: s.op.issuer });
    const continuation = new URL((await continuedTo(posted)) ?? '', PUBLIC_ORIGIN);
    secrets.handle = continuation.searchParams.get('handle') ?? '';
    expect((await client.send(continuation.pathname + continuation.search, { browser: true })).status).toBe(200);
    // A replayed handle: refused and logged, never the handle.
    expect((await client.clone().send(continuation.pathname + continuation.search, { browser: true })).status).toBe(401);

    // Remembered device: the mark, set and then used.
    const totpOwner = s.t.client();
    const totpUser = await totpOwner.signUp();
    const totp = await enrolTotp(s.t, totpOwner);
    const laptop = s.t.client();
    await laptop.login({ email: totpUser.email });
    const verified = await laptop.send('/auth/mfa/verify', {
      json: { method: 'totp', code: totpCode(s.t, totp.secret), remember_device: true },
    });
    expect(verified.status).toBe(200);
    expect(await verified.clone().text()).not.toContain((laptop.jar.get('portcullis_device') ?? '-').split('.')[0]);
    secrets.mark = (laptop.jar.get('portcullis_device') ?? '').split('.')[0] ?? '';
    await laptop.logout();
    expect((await laptop.login({ email: totpUser.email })).res.status).toBe(200);

    for (const [name, value] of Object.entries(secrets)) expect(value.length, name).toBeGreaterThan(15);
    const logged = await everythingLogged();
    expect(lines.length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(secrets)) expect(logged.includes(value), `${name} leaked`).toBe(false);
    expect(user.id).toBeTruthy();
  });
});

describe('review: bad input never a 500', () => {
  let owner: Client;
  let passkeyId: string;
  beforeAll(async () => {
    owner = s.t.client();
    await owner.signUp();
    passkeyId = (await registerPasskey(owner, newAuthenticator())).passkey.id;
  });

  it('a passkey name with NUL, control characters, 65 characters or a lone surrogate: 400 INVALID_INPUT, the name unchanged', async () => {
    const before = (await owner.json<{ passkeys: { name: string }[] }>('/auth/passkeys')).body.passkeys;
    for (const name of ['a\u0000b', 'a\u0007b', 'x'.repeat(65), 'bad\uD800', 42, ['a'], { a: 1 }]) {
      const res = await owner.json<{ code?: string }>(`/auth/passkeys/${passkeyId}`, { method: 'PATCH', json: { name }, csrf: true });
      expect(res.res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.code).toBe('INVALID_INPUT');
    }
    expect((await owner.json<{ passkeys: { name: string }[] }>('/auth/passkeys')).body.passkeys).toEqual(before);
  });

  it('odd passkey and device ids: 404, never a 500', async () => {
    for (const id of ['..%2F..%2Fetc', 'x'.repeat(2000), "'; drop table mfa_passkeys; --", '%F0%9F%92%A9']) {
      const renamed = await owner.send(`/auth/passkeys/${id}`, { method: 'PATCH', json: { name: 'n' }, csrf: true });
      expect(renamed.status, id).toBe(404);
      const forgotten = await owner.send(`/auth/devices/${id}`, { method: 'DELETE', csrf: true });
      expect([401, 404], id).toContain(forgotten.status);
    }
    expect((await owner.json<{ passkeys: unknown[] }>('/auth/passkeys')).body.passkeys).toHaveLength(1);
  });

  // Was a bug (PostgreSQL only): PATCH /auth/passkeys/%00 answered 500 — PostgreSQL refuses a NUL
  // byte in a text parameter. Fixed once for every route: a path parameter with a control character
  // matches no route (src/http/routes.ts matchPath), so it is a 404 before any store call.
  it(
    'PATCH /auth/passkeys/%00 (a NUL in the id): 404, never a 500',
    async () => {
      const res = await owner.send('/auth/passkeys/%00', { method: 'PATCH', json: { name: 'n' }, csrf: true });
      expect(res.status).toBe(404);
      expect((await owner.json<{ passkeys: { name: string }[] }>('/auth/passkeys')).body.passkeys.map((p) => p.name)).toEqual(['Passkey']);
    },
  );

  it('form_post: other methods and paths around the callback, duplicate and odd fields: 4xx, never a 500, no handle', async () => {
    const cross = {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'cross-site',
      origin: s.op.issuer,
      accept: 'text/html',
    };
    const cases: Array<[string, string, string]> = [
      ['POST', `${FORM_POST_CALLBACK_PATH}/continue`, 'code=x&state=y'],
      ['PUT', FORM_POST_CALLBACK_PATH, 'code=x&state=y'],
      ['DELETE', FORM_POST_CALLBACK_PATH, ''],
      ['POST', '/auth/oauth/apple/callback/', 'code=x&state=y'],
      ['POST', FORM_POST_CALLBACK_PATH, '__proto__=x&code=x&state=y'],
      ['POST', FORM_POST_CALLBACK_PATH, 'constructor=x&state=y'],
    ];
    for (const [method, path, body] of cases) {
      const res = await s.t.request(path, { method, headers: cross, ...(method === 'GET' ? {} : { body }) });
      expect(res.status, `${method} ${path} ${body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path} ${body}`).toBeLessThan(500);
      expect(await res.text()).not.toContain('handle=');
    }
    // Duplicate fields: the first wins, and it is still only a handle worth nothing without the flow cookie.
    const dup = await s.t.request(FORM_POST_CALLBACK_PATH, { method: 'POST', headers: cross, body: 'code=a&code=b&state=s&state=t' });
    expect(dup.status).toBe(200);
    const next = await continuedTo(dup);
    const refused = await s.t.client().send(next ?? '/', { browser: true });
    expect(refused.status).toBe(401);
    // Continuation handles that are not base64url: the friendly refusal, never a 500.
    for (const handle of ['%00', '%F0%9F%92%A9', '<script>', 'a'.repeat(10_000)]) {
      const res = await s.t.client().send(`${FORM_POST_CALLBACK_PATH}/continue?handle=${handle}`, { browser: true });
      expect(res.status, handle).toBe(401);
      expect(await res.text()).not.toContain('<script>');
    }
  });

  it('the password still signs the owner in after all that', async () => {
    const me = await owner.me();
    const again = s.t.client();
    expect((await again.login({ email: me.body.user?.email, password: PASSWORD })).res.status).toBe(200);
  });
});
