/**
 * Attacks on the form_post callback (Sign in with Apple), against the real OpenID Connect provider
 * rendering its real auto-submitting form_post page. The POST arrives cross-site by design and
 * is the one unsafe route without a CSRF check: what protects it is that it changes nothing, and the
 * continuation's flow cookie state. Each case asserts the refusal AND that nothing changed (no user,
 * identity or session) — and, where the answer was genuine, that the good path still works after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, PUBLIC_ORIGIN, nextIp, uniqueEmail, type Client } from '../http/harness.ts';
import {
  FORM_POST_CALLBACK_PATH,
  answerAtProvider,
  continuedTo,
  createSocialApp,
  postAnswer,
  providerAccount,
  signInAtProvider,
  startAt,
  type SocialSetup,
} from '../social/harness.ts';

let s: SocialSetup;
beforeAll(async () => {
  // A roomy login limit, so that concurrent requests reach the state check instead of the rate limiter.
  s = await createSocialApp({ formPost: true, rateLimits: { login: { count: 100, windowMs: 60_000 } } });
});
afterAll(async () => {
  await s?.dispose();
});

async function failuresFor(reason: string): Promise<number> {
  await s.t.auth.flush();
  const { records } = await s.t.auth.admin.listAudit({ event: 'oauth.failed', offset: 0, limit: 1000 });
  return records.filter((record) => record.reason === reason).length;
}

async function signedInAs(client: Client): Promise<string | undefined> {
  return (await client.me()).body.user?.email;
}

/** POST the answer cross-site, follow our page to the continuation: the continuation's response. */
async function deliver(client: Client, fields: Record<string, string>, provider = FORM_POST_CALLBACK_PATH): Promise<Response> {
  const posted = await postAnswer(client, provider, fields, { issuer: s.op.issuer });
  expect(posted.status).toBe(200);
  const continuation = await continuedTo(posted);
  if (!continuation) throw new Error('no continuation');
  return client.send(continuation, { browser: true });
}

/** Refused with the one friendly page (401), no session, nothing stored, and for this reason. */
async function expectRefused(client: Client, send: () => Promise<Response>, reason: string): Promise<void> {
  const before = await s.snapshot();
  const prior = await failuresFor(reason);
  const res = await send();
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(client.sessionToken).toBeUndefined();
  expect(await signedInAs(client)).toBeUndefined();
  expect(await s.snapshot()).toEqual(before);
  expect(await failuresFor(reason)).toBe(prior + 1);
}

describe('form_post callback: replay and binding', () => {
  it('of 20 concurrent deliveries of one answer in one browser, exactly one signs in', async () => {
    const email = uniqueEmail('replay');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const { fields } = await answerAtProvider(client, subject);
    const before = await s.snapshot();
    const copies = Array.from({ length: 20 }, () => client.clone());
    const results = await Promise.all(copies.map((copy) => deliver(copy, fields)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.filter((res) => res.status !== 200).every((res) => res.status === 401 || res.status === 429)).toBe(true);
    expect(copies.filter((copy) => copy.sessionToken !== undefined)).toHaveLength(1);
    expect(await s.snapshot()).toEqual({ users: before.users + 1, identities: before.identities + 1, sessions: before.sessions + 1 });
  });

  it('of 20 concurrent continuations with one handle, from 20 clients holding the flow cookie, exactly one signs in', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('handle'), email_verified: true });
    const client = s.t.client();
    const { action, fields } = await answerAtProvider(client, subject);
    const continuation = (await continuedTo(await postAnswer(client, action, fields))) ?? '';
    const before = await s.snapshot();
    const thieves = Array.from({ length: 20 }, () => client.clone({ ip: nextIp() }));
    const results = await Promise.all(thieves.map((thief) => thief.send(continuation, { browser: true })));
    expect(results.map((res) => res.status).sort()).toEqual([200, ...Array<number>(19).fill(401)]);
    expect(thieves.filter((thief) => thief.sessionToken !== undefined)).toHaveLength(1);
    expect(await s.snapshot()).toEqual({ users: before.users + 1, identities: before.identities + 1, sessions: before.sessions + 1 });
    // The handle is spent: once more, from a fresh address, it is refused as a replay.
    const late = client.clone({ ip: nextIp() });
    await expectRefused(late, () => late.send(continuation, { browser: true }), 'handoff_replayed');
  });

  it('login CSRF: the attacker\'s own answer, posted into the victim\'s browser, signs the victim in to nothing', async () => {
    const attackerSubject = providerAccount(s.op, { email: uniqueEmail('attacker'), email_verified: true });
    const attacker = s.t.client();
    const { fields } = await answerAtProvider(attacker, attackerSubject);
    // The victim's browser without a sign-in under way (no flow cookie)…
    const victim = s.t.client();
    await expectRefused(victim, () => deliver(victim, fields), 'flow_missing');
    // …and with one of its own: the attacker's state is not the victim's.
    const busyVictim = s.t.client();
    await answerAtProvider(busyVictim, providerAccount(s.op, { email: uniqueEmail('busy'), email_verified: true }));
    await expectRefused(busyVictim, () => deliver(busyVictim, fields), 'state_mismatch');
  });

  it('refuses a state from another provider: a corp sign-in\'s answer posted to Apple\'s callback', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('mixup'), email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client, 'corp'), subject);
    const fields = Object.fromEntries(callback.searchParams);
    await expectRefused(client, () => deliver(client, fields), 'provider_mismatch');
  });

  it('refuses a GET at a form_post provider\'s callback without spending the state; the genuine POST still signs in', async () => {
    const email = uniqueEmail('get');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const { fields } = await answerAtProvider(client, subject);
    const asQuery = `${FORM_POST_CALLBACK_PATH}?${new URLSearchParams(fields)}`;
    const flowCookie = client.jar.get('portcullis_oauth') ?? '';
    await expectRefused(client, () => client.send(asQuery, { browser: true }), 'response_mode_mismatch');
    // The refused GET cleared the flow cookie in that response; the browser that really started it still holds it.
    client.jar.set('portcullis_oauth', flowCookie);
    const res = await deliver(client, fields);
    expect(res.status).toBe(200);
    expect(await signedInAs(client)).toBe(email);
  });

  it('refuses a POST at a query provider\'s callback, storing nothing; the genuine GET still signs in', async () => {
    const email = uniqueEmail('post-at-query');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const callback = await signInAtProvider(await startAt(client, 'corp'), subject);
    const before = await s.snapshot();
    const prior = await failuresFor('response_mode_mismatch');
    const res = await postAnswer(client, '/auth/oauth/corp/callback', Object.fromEntries(callback.searchParams), { issuer: s.op.issuer });
    expect(res.status).toBe(401);
    expect(await continuedTo(res)).toBeNull();
    expect(await s.snapshot()).toEqual(before);
    expect(await failuresFor('response_mode_mismatch')).toBe(prior + 1);
    expect((await client.send(callback.pathname + callback.search, { browser: true })).status).toBe(200);
    expect(await signedInAs(client)).toBe(email);
  });

  it('refuses a forged, altered, expired or other provider\'s handle', async () => {
    const subject = providerAccount(s.op, { email: uniqueEmail('forged'), email_verified: true });
    const client = s.t.client();
    const { action, fields } = await answerAtProvider(client, subject);
    const continuation = new URL((await continuedTo(await postAnswer(client, action, fields))) ?? '', PUBLIC_ORIGIN);
    const handle = continuation.searchParams.get('handle') ?? '';
    const flip = `${handle.slice(0, 20)}${handle[20] === 'A' ? 'B' : 'A'}${handle.slice(21)}`;
    for (const forged of ['', 'junk', 'A'.repeat(60), flip, `${handle}x`, 'a'.repeat(5000)]) {
      const copy = client.clone();
      await expectRefused(copy, () => copy.send(`${continuation.pathname}?handle=${encodeURIComponent(forged)}`, { browser: true }), 'handoff_invalid');
    }
    // Apple's handle at another provider's continuation: sealed for `apple`, it does not open for `corp`.
    const other = client.clone();
    await expectRefused(other, () => other.send(`/auth/oauth/corp/callback/continue?handle=${handle}`, { browser: true }), 'response_mode_mismatch');
    // Two minutes on (the app's clock), the handle has expired.
    s.t.clock.advanceMs(120_001);
    const late = client.clone();
    await expectRefused(late, () => late.send(continuation.pathname + continuation.search, { browser: true }), 'handoff_invalid');
  });

  it('carries next through the provider and judges it again: a hostile next lands on the default page', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const subject = providerAccount(s.op, { email: uniqueEmail('next'), email_verified: true });
      const client = s.t.client();
      const { action, fields } = await answerAtProvider(client, subject, { next });
      const res = await client.send((await continuedTo(await postAnswer(client, action, fields))) ?? '', { browser: true });
      expect(await continuedTo(res)).toBe(s.t.auth.config.pages.afterLogin);
    }
  });
});

describe('form_post callback: bad input', () => {
  /** A bad POST: the documented 4xx, never a 500, no page that navigates on, nothing stored — and the same answer still works after. */
  async function expectBadPost(status: number, post: (client: Client, fields: Record<string, string>) => Promise<Response>): Promise<void> {
    const email = uniqueEmail('bad');
    const subject = providerAccount(s.op, { email, email_verified: true });
    const client = s.t.client();
    const { fields } = await answerAtProvider(client, subject);
    const before = await s.snapshot();
    const res = await post(client, fields);
    expect(res.status).toBe(status);
    expect(await continuedTo(res)).toBeNull();
    expect(await s.snapshot()).toEqual(before);
    expect((await deliver(client, fields)).status).toBe(200);
    expect(await signedInAs(client)).toBe(email);
  }

  it('refuses a body that is not an urlencoded form: JSON, text/plain, multipart, none', async () => {
    const json = (await postAnswerRaw('application/json', '{"code":"x","state":"y"}')) as Response;
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'Unsupported content type: send application/x-www-form-urlencoded', code: 'INVALID_INPUT' });
    for (const contentType of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', '']) {
      await expectBadPost(400, (client, fields) =>
        postAnswer(client, FORM_POST_CALLBACK_PATH, fields, { contentType, body: contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString() }),
      );
    }
  });

  it('refuses a missing state or code, malformed or huge fields, and Apple\'s user JSON when malformed or huge', async () => {
    const cases: Array<(fields: Record<string, string>) => Record<string, string>> = [
      ({ state: _, ...rest }) => rest,
      ({ code: _, ...rest }) => rest,
      (f) => ({ ...f, state: '' }),
      (f) => ({ ...f, code: 'c'.repeat(5000) }),
      (f) => ({ ...f, code: 'bad\u0000code' }),
      (f) => ({ ...f, user: '{"name":' }),
      (f) => ({ ...f, user: '["not", "an", "object"]' }),
      (f) => ({ ...f, user: JSON.stringify({ name: { firstName: 42 } }) }),
      (f) => ({ ...f, user: JSON.stringify({ name: { firstName: 'x'.repeat(65) } }) }),
      (f) => ({ ...f, user: JSON.stringify({ name: { firstName: 'Ada' }, padding: 'x'.repeat(3000) }) }),
    ];
    for (const change of cases) await expectBadPost(400, (client, fields) => postAnswer(client, FORM_POST_CALLBACK_PATH, change(fields)));
  });

  it('refuses a body over the limit with 413', async () => {
    await expectBadPost(413, (client, fields) => postAnswer(client, FORM_POST_CALLBACK_PATH, { ...fields, padding: 'x'.repeat(s.t.auth.config.bodyLimitBytes + 1) }));
  });

  it('answers 404 for a provider that is not configured, and takes a provider error as a refusal at the continuation', async () => {
    expect((await postAnswerRaw('application/x-www-form-urlencoded', 'code=x&state=y', '/auth/oauth/nowhere/callback')).status).toBe(404);
    const client = s.t.client();
    const state = new URL(await startAt(client, 'apple')).searchParams.get('state') ?? '';
    await expectRefused(client, () => deliver(client, { error: 'user_cancelled_authorize', state }), 'provider_error');
  });
});

describe('the CSRF exception is this route only', () => {
  it('takes the provider\'s cross-site POST here, and refuses the same cross-site form at login and at linking', async () => {
    const crossSite = { origin: s.op.issuer, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const client = s.t.client();
    const account = await client.signUp();
    const login = await s.t.request('/auth/login', { method: 'POST', headers: crossSite, body: new URLSearchParams({ email: account.email, password: PASSWORD }).toString() }, nextIp());
    expect(login.status).toBe(403);
    const link = await client.send('/auth/identities/apple/link', { method: 'POST', headers: crossSite, body: '' });
    expect(link.status).toBe(403);
    const callback = await s.t.request(FORM_POST_CALLBACK_PATH, { method: 'POST', headers: crossSite, body: 'code=x&state=y' }, nextIp());
    expect(callback.status).toBe(200);
  });
});

function postAnswerRaw(contentType: string, body: string, path = FORM_POST_CALLBACK_PATH): Promise<Response> {
  return s.t.request(path, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body }, nextIp());
}
