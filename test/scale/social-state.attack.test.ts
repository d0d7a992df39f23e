/**
 * @module Attack suite — social sign-in across two real server processes on one PostgreSQL and one
 * Redis, with a real OpenID Connect provider (oidc-provider) in the test process: one provider
 * answer replayed 20 times at once, split between A and B, signs in exactly once (the provider
 * account gets one user and one identity) — by query and by form_post (a handle sealed by one
 * process opens on the other, once); and racing unlinks (and a link) of one passwordless account's
 * identities through A and B keep the last way in (issue #18).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderBrowser, startTestProvider, type TestProvider } from '../social/provider.ts';
import {
  SHARED_REDIS_URL,
  baseEnv,
  cleanup,
  ed25519KeyFile,
  freePort,
  nextIp,
  randomSecret,
  send,
  sharedPostgresSchema,
  sharedRedisPrefix,
  spawnServer,
  tempDir,
  uniqueEmail,
  type ServerProcess,
} from './services.ts';

let a: ServerProcess;
let b: ServerProcess;
let op: TestProvider;
let databaseUrl: string;
let publicUrl: string;

beforeAll(async () => {
  const dir = tempDir('social');
  const [portA, portB] = [await freePort(), await freePort()];
  publicUrl = `http://127.0.0.1:${portA}`;
  op = await startTestProvider(['corp', 'other', 'apple'].map((name) => `${publicUrl}/auth/oauth/${name}/callback`));
  databaseUrl = await sharedPostgresSchema('social');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('social'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: 'loopback',
    OAUTH_PROVIDERS: 'corp,other,apple',
    // Lifted so that the single-use state and the unlink rule, not a per-client limit, are what answer.
    AUTH_RATE_LIMIT_LOGIN: '1000000/1m',
    ...Object.fromEntries(
      ['CORP', 'OTHER', 'APPLE'].flatMap((name) => [
        [`OAUTH_${name}_CLIENT_ID`, op.clientId],
        [`OAUTH_${name}_CLIENT_SECRET`, op.clientSecret],
        [`OAUTH_${name}_ISSUER`, op.issuer],
      ]),
    ),
  };
  a = await spawnServer({ ...baseEnv(dir, portA), ...shared });
  b = await spawnServer({ ...baseEnv(dir, portB), ...shared });
}, 90_000);

afterAll(async () => {
  await cleanup();
  await op?.close();
}, 60_000);

async function countRows(sql: string, values: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query(sql, values)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

describe('social sign-in state across two processes', () => {
  it('one provider answer replayed 20 times at once through A and B signs in exactly once', async () => {
    const email = uniqueEmail('social');
    op.accounts.set('replayed', { email, email_verified: true });
    const started = await send(a.base, 'GET', '/auth/oauth/corp', { headers: { accept: 'text/html', 'x-forwarded-for': nextIp() } });
    expect(started.status).toBe(302);
    const flowCookie = started.setCookies.portcullis_oauth;
    expect(flowCookie).toBeDefined();
    const callback = await new ProviderBrowser().authorize(String(started.headers.location), 'replayed', publicUrl);
    const path = callback.pathname + callback.search;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 === 0 ? a.base : b.base, 'GET', path, { headers: { accept: 'text/html', cookie: `portcullis_oauth=${flowCookie}`, 'x-forwarded-for': nextIp() } }),
      ),
    );
    const signedIn = results.filter((r) => r.status === 200 && r.setCookies.portcullis_session);
    expect(signedIn, results.map((r) => r.status).join(',')).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(19);
    expect(await countRows('select count(*) as n from users where email_key = $1', [email.toLowerCase()])).toBe(1);
    expect(await countRows('select count(*) as n from user_identities where issuer = $1 and subject = $2', [op.issuer, 'replayed'])).toBe(1);
    expect(await countRows('select count(*) as n from sessions s join users u on u.id = s.user_id where u.email_key = $1', [email.toLowerCase()])).toBe(1);
  });
});

/** POSTs as the provider's page does: cross-site, urlencoded, no cookie of ours. */
function postForm(base: string, path: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: op.issuer, 'sec-fetch-site': 'cross-site', 'x-forwarded-for': nextIp() },
    body: new URLSearchParams(fields).toString(),
  }).then(async (res) => ({ status: res.status, text: await res.text() }));
}

describe('form_post across two processes', () => {
  it('an answer posted to A continues on B, and 20 continuations with its handle through A and B sign in exactly once', async () => {
    const email = uniqueEmail('formpost');
    op.accounts.set('posted', { email, email_verified: true });
    const started = await send(a.base, 'GET', '/auth/oauth/apple', { headers: { accept: 'text/html', 'x-forwarded-for': nextIp() } });
    expect(started.status).toBe(302);
    const flowCookie = started.setCookies.portcullis_oauth;
    const { action, fields } = await new ProviderBrowser().authorizeFormPost(String(started.headers.location), 'posted', publicUrl);
    const posted = await postForm(a.base, action.pathname, fields);
    expect(posted.status).toBe(200);
    const continuation = /content="0;url=([^"]+)"/.exec(posted.text)?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(continuation).toContain('/auth/oauth/apple/callback/continue?handle=');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 === 0 ? b.base : a.base, 'GET', continuation, { headers: { accept: 'text/html', cookie: `portcullis_oauth=${flowCookie}`, 'x-forwarded-for': nextIp() } }),
      ),
    );
    const signedIn = results.filter((r) => r.status === 200 && r.setCookies.portcullis_session);
    expect(signedIn, results.map((r) => r.status).join(',')).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(19);
    expect(await countRows('select count(*) as n from users where email_key = $1', [email.toLowerCase()])).toBe(1);
    expect(await countRows('select count(*) as n from sessions s join users u on u.id = s.user_id where u.email_key = $1', [email.toLowerCase()])).toBe(1);
  });
});

interface SocialSession {
  readonly cookie: string;
  readonly csrf: string;
  readonly userId: string;
  /** One browser, one address: session protection makes a session from another network not fresh. */
  readonly ip: string;
}

/** A JSON client's sign-in with `provider` as the provider account `subject`, through `base`. */
async function signInWith(base: string, provider: string, subject: string): Promise<SocialSession> {
  const ip = nextIp();
  const started = await send(base, 'GET', `/auth/oauth/${provider}`, { headers: { accept: 'text/html', 'x-forwarded-for': ip } });
  const callback = await new ProviderBrowser().authorize(String(started.headers.location), subject, publicUrl);
  const res = await send(base, 'GET', callback.pathname + callback.search, { headers: { cookie: `portcullis_oauth=${started.setCookies.portcullis_oauth}`, 'x-forwarded-for': ip } });
  const body = res.json as { user?: { id: string }; csrf_token?: string } | undefined;
  if (res.status !== 200 || !body?.user || !res.setCookies.portcullis_session) throw new Error(`sign-in with ${provider}: ${res.status} ${res.text.slice(0, 200)}`);
  return { cookie: `portcullis_session=${res.setCookies.portcullis_session}`, csrf: body.csrf_token ?? '', userId: body.user.id, ip };
}

/** Starts linking `provider` for the session, and signs in at the provider: the callback, ready to be sent. */
async function linkAnswer(base: string, session: SocialSession, provider: string, subject: string): Promise<{ path: string; cookie: string }> {
  const started = await send(base, 'POST', `/auth/identities/${provider}/link`, { json: {}, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'x-forwarded-for': session.ip } });
  if (started.status !== 200) throw new Error(`link ${provider}: ${started.status} ${started.text.slice(0, 200)}`);
  const callback = await new ProviderBrowser().authorize((started.json as { location: string }).location, subject, publicUrl);
  return { path: callback.pathname + callback.search, cookie: `${session.cookie}; portcullis_oauth=${started.setCookies.portcullis_oauth}` };
}

async function identitiesOf(base: string, session: SocialSession): Promise<Array<{ id: string; provider: string }>> {
  const res = await send(base, 'GET', '/auth/identities', { headers: { cookie: session.cookie, 'x-forwarded-for': session.ip } });
  return (res.json as { identities: Array<{ id: string; provider: string }> }).identities;
}

const unlink = (base: string, session: SocialSession, id: string) =>
  send(base, 'DELETE', `/auth/identities/${id}`, { headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'x-forwarded-for': session.ip } });

const identityRows = (userId: string) => countRows('select count(*) as n from user_identities where user_id = $1', [userId]);

describe('identity links across two processes (a passwordless account)', () => {
  it('20 concurrent unlinks of its two identities through A and B leave exactly one, which still signs in', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    op.accounts.set(`first-${tag}`, { email: uniqueEmail('links'), email_verified: true });
    op.accounts.set(`second-${tag}`, { email: uniqueEmail('links-second'), email_verified: true });
    const session = await signInWith(a.base, 'corp', `first-${tag}`);
    const link = await linkAnswer(a.base, session, 'other', `second-${tag}`);
    expect((await send(b.base, 'GET', link.path, { headers: { cookie: link.cookie, 'x-forwarded-for': session.ip } })).status).toBe(204);
    const identities = await identitiesOf(a.base, session);
    expect(identities.map((identity) => identity.provider).sort()).toEqual(['corp', 'other']);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => unlink(i % 2 === 0 ? a.base : b.base, session, (identities[Math.floor(i / 2) % 2] as { id: string }).id)),
    );
    expect(results.filter((r) => r.status === 204), results.map((r) => r.status).join(',')).toHaveLength(1);
    for (const res of results.filter((r) => r.status !== 204)) expect([404, 409]).toContain(res.status);
    expect(await identityRows(session.userId)).toBe(1);
    // The last way in is still a way in, through either process.
    const [left] = await identitiesOf(b.base, session);
    const subject = left?.provider === 'corp' ? `first-${tag}` : `second-${tag}`;
    expect((await signInWith(b.base, left?.provider ?? '', subject)).userId).toBe(session.userId);
  });

  it('a link finishing on B while 10 unlinks of the only identity race on A never leaves the account without a way in', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    op.accounts.set(`only-${tag}`, { email: uniqueEmail('only'), email_verified: true });
    op.accounts.set(`new-${tag}`, { email: uniqueEmail('new'), email_verified: true });
    const session = await signInWith(a.base, 'corp', `only-${tag}`);
    const [only] = await identitiesOf(a.base, session);
    const link = await linkAnswer(a.base, session, 'other', `new-${tag}`);
    const [linked, ...unlinks] = await Promise.all([
      send(b.base, 'GET', link.path, { headers: { cookie: link.cookie, 'x-forwarded-for': session.ip } }),
      ...Array.from({ length: 10 }, () => unlink(a.base, session, only?.id ?? '')),
    ]);
    expect(linked?.status).toBe(204);
    // The unlink of the only identity succeeds at most once, and only if the new link was already there.
    expect(unlinks.filter((r) => r.status === 204).length).toBeLessThanOrEqual(1);
    const left = await identitiesOf(b.base, session);
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(await identityRows(session.userId)).toBe(left.length);
    for (const identity of left) {
      const subject = identity.provider === 'corp' ? `only-${tag}` : `new-${tag}`;
      expect((await signInWith(b.base, identity.provider, subject)).userId).toBe(session.userId);
    }
  });
});
