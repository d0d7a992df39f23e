/**
 * @module A real OpenID Connect provider for tests: oidc-provider 9 (the certified implementation by
 * openid-client's author) listening on loopback in the test process, with its real login and
 * consent pages (devInteractions). Tests hold its signing key, so an attack test can sign an ID
 * token exactly as the provider would, with one claim wrong, and put it on the token response.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount {
  readonly email?: string;
  /** Any JSON value: a boolean true is the only verified one. Absent: no claim at all. */
  readonly email_verified?: unknown;
}

export interface TestProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Accounts by subject; the login page's "login" field is the subject. */
  readonly accounts: Map<string, TestAccount>;
  /** Signs a JWT with the provider's own key (RS256, its kid). */
  sign(claims: Record<string, unknown>, header?: { alg?: string }): Promise<string>;
  readonly publicJwk: JWK;
  close(): Promise<void>;
}

/**
 * `hostname`: `localhost` puts the provider on another site than an app on 127.0.0.1 (a browser
 * then treats the round trip as cross-site, as it is with a real provider).
 */
export async function startTestProvider(redirectUris: readonly string[], options: { clientId?: string; hostname?: '127.0.0.1' | 'localhost' } = {}): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${options.hostname ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const clientId = options.clientId ?? 'portcullis-test';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const accounts = new Map<string, TestAccount>();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [privateJwk] },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...account };
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    publicJwk,
    sign: (claims, header = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: header.alg ?? 'RS256', kid, typ: 'JWT' })
        .sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An end user's browser at the provider: its own cookie jar, following redirects and filling in the
 * provider's real login page (login = the subject) and consent page, until the provider sends the
 * browser back to `appOrigin`. Returns that callback URL.
 */
export class ProviderBrowser {
  private readonly jar = new Map<string, string>();

  async authorize(authorizationUrl: string, subject: string, appOrigin: string, options: { abort?: boolean } = {}): Promise<URL> {
    const answer = await this.walk(authorizationUrl, subject, appOrigin, options);
    if (answer.kind !== 'redirect') throw new Error('the provider answered by form_post, not by a redirect');
    return answer.url;
  }

  /**
   * As `authorize`, for a provider asked for `response_mode=form_post`: its last page is an
   * auto-submitting form that POSTs the answer to the app. Returns that form's action and fields
   * (what the browser would post), without posting them.
   */
  async authorizeFormPost(authorizationUrl: string, subject: string, appOrigin: string, options: { abort?: boolean } = {}): Promise<{ action: URL; fields: Record<string, string> }> {
    const answer = await this.walk(authorizationUrl, subject, appOrigin, options);
    if (answer.kind !== 'form_post') throw new Error(`the provider redirected to ${answer.url.pathname}, not a form_post`);
    return { action: answer.action, fields: answer.fields };
  }

  private async walk(
    authorizationUrl: string,
    subject: string,
    appOrigin: string,
    options: { abort?: boolean },
  ): Promise<{ kind: 'redirect'; url: URL } | { kind: 'form_post'; action: URL; fields: Record<string, string> }> {
    let url = authorizationUrl;
    let init: RequestInit = {};
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(appOrigin)) return { kind: 'redirect', url: new URL(url) };
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() } });
      this.store(res);
      init = {};
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const page = await res.text();
      const posted = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
      if (posted && unescapeHtml(posted).startsWith(appOrigin)) {
        const fields: Record<string, string> = {};
        for (const [, name = '', value = ''] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) fields[name] = unescapeHtml(value);
        return { kind: 'form_post', action: new URL(unescapeHtml(posted)), fields };
      }
      if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${page.slice(0, 300)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
      if (!action || !prompt) throw new Error(`no form on the provider's page: ${page.slice(0, 300)}`);
      if (options.abort) {
        url = new URL(`${new URL(action, url).pathname}/abort`, url).href;
        continue;
      }
      const form: Record<string, string> = prompt === 'login' ? { prompt, login: subject, password: 'any' } : { prompt };
      url = new URL(action.replaceAll('&amp;', '&'), url).href;
      init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() };
    }
    throw new Error('too many redirects at the provider');
  }

  private cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([\da-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
