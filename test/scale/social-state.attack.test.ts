/**
 * @module Attack suite — social sign-in's single-use state across two real server processes on one
 * PostgreSQL and one Redis, with a real OpenID Connect provider (oidc-provider) in the test process:
 * one provider answer replayed 20 times at once, split between A and B, signs in exactly once;
 * the provider account gets one user and one identity.
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
  op = await startTestProvider([`${publicUrl}/auth/oauth/corp/callback`]);
  databaseUrl = await sharedPostgresSchema('social');
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: sharedRedisPrefix('social'),
    SECRET_KEY: randomSecret(),
    ACCESS_TOKEN_KEY_FILE: ed25519KeyFile(dir),
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: 'loopback',
    OAUTH_PROVIDERS: 'corp',
    OAUTH_CORP_CLIENT_ID: op.clientId,
    OAUTH_CORP_CLIENT_SECRET: op.clientSecret,
    OAUTH_CORP_ISSUER: op.issuer,
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
