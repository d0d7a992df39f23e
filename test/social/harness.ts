/**
 * @module Social sign-in against the real test provider: the reference app (test/http/harness.ts)
 * configured with provider `corp` (generic OIDC, issuer discovery on loopback), and the steps a
 * browser takes — start at the app, sign in at the provider's pages, come back to the callback.
 */
import { decodeJwt } from 'jose';
import { PUBLIC_ORIGIN, createTestApp, type Client, type Overrides, type TestApp } from '../http/harness.ts';
import { ProviderBrowser, startTestProvider, type TestProvider } from './provider.ts';

export const PROVIDER = 'corp';
export const CALLBACK_PATH = `/auth/oauth/${PROVIDER}/callback`;
/** The Apple preset pointed at the test provider: it asks for `email`, so it answers by form_post. */
export const FORM_POST_PROVIDER = 'apple';
export const FORM_POST_CALLBACK_PATH = `/auth/oauth/${FORM_POST_PROVIDER}/callback`;

/** Rewrites the ID token of the next token responses (an attacker on the wire, or a provider gone bad). */
export type IdTokenTamper = (claims: Record<string, unknown>, op: TestProvider) => Promise<string>;

export interface SocialSetup {
  readonly t: TestApp;
  readonly op: TestProvider;
  /** While set, every token response's id_token is replaced by what it returns. */
  tamper: IdTokenTamper | undefined;
  /** How many rows the social tables and sessions hold: "nothing changed" is the same snapshot. */
  snapshot(): Promise<{ users: number; identities: number; sessions: number }>;
  dispose(): Promise<void>;
}

/**
 * The app with `corp` and a second provider `other` at the same issuer; with `formPost`, also
 * `apple` (the Apple preset, issuer pointed at the test provider: it answers by form_post).
 */
export async function createSocialApp(overrides: Overrides & { autolink?: 'off' | 'verified'; formPost?: boolean } = {}): Promise<SocialSetup> {
  const op = await startTestProvider([`${PUBLIC_ORIGIN}${CALLBACK_PATH}`, `${PUBLIC_ORIGIN}/auth/oauth/other/callback`, `${PUBLIC_ORIGIN}${FORM_POST_CALLBACK_PATH}`]);
  const { autolink, formPost, ...rest } = overrides;
  const setup: { tamper: IdTokenTamper | undefined } = { tamper: undefined };
  const t = await createTestApp({
    async oauthFetch(url, init) {
      const res = await fetch(url, init);
      if (!setup.tamper || url !== `${op.issuer}/token` || res.status !== 200) return res;
      const body = (await res.json()) as { id_token: string };
      body.id_token = await setup.tamper(decodeJwt(body.id_token), op);
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    },
    oauth: {
      providers: {
        corp: { clientId: op.clientId, clientSecret: op.clientSecret, issuer: op.issuer, label: 'Corp ID' },
        other: { clientId: op.clientId, clientSecret: op.clientSecret, issuer: op.issuer, label: 'Other ID' },
        ...(formPost ? { [FORM_POST_PROVIDER]: { clientId: op.clientId, clientSecret: op.clientSecret, issuer: op.issuer } } : {}),
      },
      ...(autolink ? { autolink } : {}),
    },
    ...rest,
  });
  const count = async (table: 'users' | 'user_identities' | 'sessions') =>
    Number((await t.stores.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
  return {
    t,
    op,
    get tamper() {
      return setup.tamper;
    },
    set tamper(value) {
      setup.tamper = value;
    },
    snapshot: async () => ({ users: await count('users'), identities: await count('user_identities'), sessions: await count('sessions') }),
    async dispose() {
      await t.dispose();
      await op.close();
    },
  };
}

let subjectCounter = 0;
/** A new account at the provider: its subject. */
export function providerAccount(op: TestProvider, account: { email?: string; email_verified?: unknown }): string {
  subjectCounter += 1;
  const subject = `subject-${subjectCounter}-${Math.random().toString(36).slice(2, 8)}`;
  op.accounts.set(subject, account);
  return subject;
}

/** Starts at the app (`GET /auth/oauth/:provider`), returns the provider URL it redirected to. */
export async function startAt(client: Client, provider = PROVIDER, next?: string): Promise<string> {
  const res = await client.send(`/auth/oauth/${provider}${next !== undefined ? `?next=${encodeURIComponent(next)}` : ''}`, { browser: true });
  if (res.status !== 302) throw new Error(`start answered ${res.status}: ${await res.text()}`);
  return res.headers.get('location') ?? '';
}

/** The callback URL the provider sends the browser back with, after signing in as `subject` there. */
export function signInAtProvider(location: string, subject: string, browser = new ProviderBrowser()): Promise<URL> {
  return browser.authorize(location, subject, PUBLIC_ORIGIN);
}

/** The whole round trip in one browser: start, provider login + consent, callback. The callback's response. */
export async function socialSignIn(client: Client, subject: string, options: { provider?: string; next?: string; browser?: boolean } = {}): Promise<Response> {
  const location = await startAt(client, options.provider, options.next);
  const callback = await signInAtProvider(location, subject);
  return client.send(callback.pathname + callback.search, { browser: options.browser ?? true });
}

/**
 * Where a successful callback sends the browser on: a 303's Location, or (SameSite=Strict sessions,
 * the default) the meta refresh of the page that continues the navigation from this site. Null otherwise.
 */
export async function continuedTo(res: Response): Promise<string | null> {
  if (res.status === 303) return res.headers.get('location');
  if (res.status !== 200 || !res.headers.get('content-type')?.includes('text/html')) return null;
  const url = /<meta http-equiv="refresh" content="0;url=([^"]*)">/.exec(await res.clone().text())?.[1];
  return url === undefined ? null : url.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replaceAll('&amp;', '&');
}

/** What the provider's auto-submitting page posts to the app (form_post), after signing in as `subject` there. */
export async function answerAtProvider(client: Client, subject: string, options: { provider?: string; next?: string } = {}): Promise<{ action: URL; fields: Record<string, string> }> {
  const location = await startAt(client, options.provider ?? FORM_POST_PROVIDER, options.next);
  return new ProviderBrowser().authorizeFormPost(location, subject, PUBLIC_ORIGIN);
}

/**
 * The provider's page posting the answer, as a browser sends that cross-site top-level POST: from
 * the provider's origin, and without the app's SameSite=Lax/Strict cookies (none ride it).
 */
export function postAnswer(client: Client, action: URL | string, fields: Record<string, string>, options: { contentType?: string; body?: string; issuer?: string } = {}): Promise<Response> {
  const url = typeof action === 'string' ? new URL(action, PUBLIC_ORIGIN) : action;
  const headers: Record<string, string> = {
    'user-agent': client.userAgent,
    accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    'sec-fetch-site': 'cross-site',
    ...(options.issuer ? { origin: options.issuer } : {}),
  };
  return client.t.request(url.href, { method: 'POST', headers, body: options.body ?? new URLSearchParams(fields).toString() }, client.ip);
}

/**
 * The whole form_post round trip in one browser: start, provider login + consent, the provider's
 * page posting cross-site, and our page's same-site navigation to the continuation (with the
 * browser's cookies). The continuation's response.
 */
export async function formPostSignIn(client: Client, subject: string, options: { next?: string; provider?: string } = {}): Promise<Response> {
  const { action, fields } = await answerAtProvider(client, subject, options);
  const posted = await postAnswer(client, action, fields);
  const continuation = await continuedTo(posted);
  if (!continuation) throw new Error(`the form_post callback answered ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  return client.send(continuation, { browser: true });
}
