/**
 * @module The HTTP test harness: the real reference app on a fresh SQLite file or PostgreSQL
 * schema (PORTCULLIS_TEST_DB), a FixedClock to move time, and a cookie-jar client that drives
 * `app.request()` with a chosen client IP, user agent and scheme.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FixedClock, createAuth, type Auth, type CreateAuthOptions } from '../../src/index.ts';
import { BUILT_IN_ROLES } from '../../src/app/start.ts';
import { createReferenceApp } from '../../src/app/server.tsx';
import { openTestStores } from '../../src/testing/test-database.ts';
import type { SqlStores } from '../../src/stores/sql/index.ts';

export const PUBLIC_ORIGIN = 'http://localhost:3000';
export const PASSWORD = 'correct horse battery staple';
export const SESSION_COOKIE = 'portcullis_session';
export const SECURE_SESSION_COOKIE = '__Host-portcullis_session';
export const PRE_SESSION_COOKIE = 'portcullis_pre';
export const DEFAULT_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) PortcullisTest/1.0';

export type Overrides = Partial<Omit<CreateAuthOptions, 'stores' | 'clock' | 'secretKey'>>;

type ReferenceApp = ReturnType<typeof createReferenceApp>['app'];

export interface TestApp {
  readonly app: ReferenceApp;
  readonly auth: Auth;
  readonly stores: SqlStores;
  readonly clock: FixedClock;
  /** One request as a client at `ip` would send it (https when the URL says so). */
  request(path: string, init?: RequestInit, ip?: string): Promise<Response>;
  client(options?: ClientOptions): Client;
  userCount(): Promise<number>;
  dispose(): Promise<void>;
}

let ipCounter = 0;
/** A new client address in its own /24, so that clients never share a network by accident. */
export function nextIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 8) & 255}.${ipCounter & 255}.7`;
}

let emailCounter = 0;
/** A unique e-mail for this test run (tests in one file share a database). */
export function uniqueEmail(label = 'user'): string {
  emailCounter += 1;
  return `${label}.${emailCounter}.${randomBytes(3).toString('hex')}@example.com`;
}

export function uniqueUsername(label = 'user'): string {
  emailCounter += 1;
  return `${label}_${emailCounter}_${randomBytes(2).toString('hex')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export async function createTestApp(overrides: Overrides = {}): Promise<TestApp> {
  const { stores, dispose } = await openTestStores();
  const clock = new FixedClock();
  const auth = createAuth({
    secretKey: randomBytes(48).toString('base64url'),
    environment: 'test',
    publicOrigin: PUBLIC_ORIGIN,
    stores,
    clock,
    // Most HTTP tests register and sign in at once; the confirmation tests ask for it explicitly.
    identity: { confirmation: 'off' },
    ...overrides,
  });
  for (const role of BUILT_IN_ROLES) await stores.roles.upsertRole({ ...role, permissions: [...role.permissions] });
  const { app } = createReferenceApp(auth, { documentsDb: stores.db });
  const testApp: TestApp = {
    app,
    auth,
    stores,
    clock,
    request(path, init = {}, ip = '127.0.0.1') {
      const url = path.startsWith('http') ? path : `${PUBLIC_ORIGIN}${path}`;
      // As @hono/node-server: an https URL arrives on a TLS socket.
      const env = { incoming: { socket: { remoteAddress: ip, encrypted: url.startsWith('https:') } } };
      return Promise.resolve(app.request(url, init, env));
    },
    client: (options) => new Client(testApp, options),
    async userCount() {
      return (await stores.users.listUsers({ offset: 0, limit: 1 })).total;
    },
    dispose,
  };
  return testApp;
}

export interface ClientOptions {
  readonly ip?: string;
  readonly userAgent?: string;
  /** `https://localhost:3000` to arrive over TLS. */
  readonly origin?: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as an urlencoded form. */
  readonly form?: Record<string, string>;
  readonly body?: BodyInit;
  /** Add the session's CSRF token as `X-CSRF-Token` (fetched from /auth/csrf when unknown). */
  readonly csrf?: boolean | string;
  /** Browser navigation: `Accept: text/html`. */
  readonly browser?: boolean;
}

export interface JsonResult<T = Record<string, unknown>> {
  readonly res: Response;
  readonly body: T;
}

export interface PublicUserBody {
  id: string;
  email: string;
  username: string | null;
  roles: string[];
  active: boolean;
}

/** A user agent with a cookie jar: sends its cookies, stores every Set-Cookie. */
export class Client {
  readonly jar = new Map<string, string>();
  ip: string;
  userAgent: string;
  readonly origin: string;
  /** The last CSRF token the server handed this client for its current session. */
  csrfToken: string | undefined;

  constructor(
    readonly t: TestApp,
    options: ClientOptions = {},
  ) {
    this.ip = options.ip ?? nextIp();
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.origin = options.origin ?? PUBLIC_ORIGIN;
  }

  get secure(): boolean {
    return this.origin.startsWith('https:');
  }

  /** The session cookie's value (the secret token), if any. */
  get sessionToken(): string | undefined {
    return this.jar.get(this.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
  }

  set sessionToken(value: string | undefined) {
    const name = this.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
    if (value === undefined) this.jar.delete(name);
    else this.jar.set(name, value);
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Another client holding a copy of this one's cookies (a stolen or replayed cookie). */
  clone(options: ClientOptions = {}): Client {
    const copy = new Client(this.t, { ip: options.ip ?? this.ip, userAgent: options.userAgent ?? this.userAgent, origin: options.origin ?? this.origin });
    for (const [k, v] of this.jar) copy.jar.set(k, v);
    copy.csrfToken = this.csrfToken;
    return copy;
  }

  async send(path: string, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    let body: BodyInit | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    headers.accept = options.browser ? 'text/html,application/xhtml+xml,*/*;q=0.8' : options.json !== undefined || options.form === undefined ? 'application/json' : 'text/html';
    if (options.csrf) headers['x-csrf-token'] = typeof options.csrf === 'string' ? options.csrf : await this.fetchCsrf();
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    Object.assign(headers, options.headers);
    const url = path.startsWith('http') ? path : `${this.origin}${path}`;
    const res = await this.t.request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) }, this.ip);
    this.store(res);
    return res;
  }

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a)) || value === '';
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async json<T = Record<string, unknown>>(path: string, options: SendOptions = {}): Promise<JsonResult<T>> {
    const res = await this.send(path, options);
    const text = await res.text();
    let body: T;
    try {
      body = (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new Error(`expected JSON from ${options.method ?? 'GET'} ${path} (${res.status}), got: ${text.slice(0, 300)}`);
    }
    return { res, body };
  }

  /** GET /auth/csrf: the token bound to this client's session (or pre-session). */
  async fetchCsrf(): Promise<string> {
    const { res, body } = await this.json<{ csrf_token: string }>('/auth/csrf');
    if (res.status !== 200 || typeof body.csrf_token !== 'string') throw new Error(`GET /auth/csrf answered ${res.status}`);
    this.csrfToken = body.csrf_token;
    return body.csrf_token;
  }

  /** GET a page as a browser and read its hidden `csrf_token` input. */
  async pageCsrf(path = '/login'): Promise<string> {
    const res = await this.send(path, { browser: true });
    const html = await res.text();
    const token = csrfFromHtml(html);
    if (!token) throw new Error(`no csrf_token on ${path} (${res.status})`);
    return token;
  }

  async register(fields: Record<string, unknown>): Promise<JsonResult<{ user: PublicUserBody; csrf_token?: string; error?: string; code?: string; fields?: Record<string, string> }>> {
    const result = await this.json<{ user: PublicUserBody; csrf_token?: string }>('/auth/register', { json: { password: PASSWORD, ...fields } });
    if (typeof result.body.csrf_token === 'string') this.csrfToken = result.body.csrf_token;
    return result;
  }

  /** Registers (JSON) and fails loudly unless it worked. */
  async signUp(fields: Record<string, unknown> = {}): Promise<PublicUserBody> {
    const { res, body } = await this.register({ email: uniqueEmail(), ...fields });
    if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(body)}`);
    return body.user;
  }

  async login(fields: Record<string, unknown>, headers: Record<string, string> = {}): Promise<JsonResult<{ user: PublicUserBody; csrf_token: string; error?: string; code?: string }>> {
    const result = await this.json<{ user: PublicUserBody; csrf_token: string }>('/auth/login', { json: { password: PASSWORD, ...fields }, headers });
    if (result.res.status === 200) this.csrfToken = result.body.csrf_token;
    return result;
  }

  async logout(): Promise<Response> {
    return this.send('/auth/logout', { method: 'POST', json: {}, csrf: true });
  }

  async me(): Promise<JsonResult<{ user?: PublicUserBody; error?: string; code?: string }>> {
    return this.json('/auth/me');
  }

  /** POST an urlencoded form as a browser, with the given (or a freshly read) csrf_token. */
  async postForm(path: string, fields: Record<string, string>, options: { csrfFrom?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const form = { ...fields };
    if (options.csrfFrom !== undefined && !('csrf_token' in form)) form.csrf_token = await this.pageCsrf(options.csrfFrom);
    return this.send(path, { form, browser: true, headers: { origin: this.origin, ...options.headers } });
  }
}

export function csrfFromHtml(html: string): string | undefined {
  return /<input[^>]*name="csrf_token"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? /<input[^>]*value="([^"]*)"[^>]*name="csrf_token"/.exec(html)?.[1];
}

/** A documented error body: `{"error","code","fields"?}` and nothing else, no internal detail. */
export function errorShape(body: unknown): { error: string; code: string; fields?: Record<string, string> } {
  const text = JSON.stringify(body);
  const value = body as { error: string; code: string; fields?: Record<string, string> };
  const allowed = ['code', 'error', 'fields'];
  if (typeof value !== 'object' || value === null || !Object.keys(value).every((k) => allowed.includes(k)) || typeof value.error !== 'string' || typeof value.code !== 'string') {
    throw new Error(`not the documented error shape: ${text}`);
  }
  if (value.fields !== undefined && (typeof value.fields !== 'object' || Object.values(value.fields).some((m) => typeof m !== 'string'))) {
    throw new Error(`fields must map names to messages: ${text}`);
  }
  if (/\bat .+:\d+:\d+|node_modules|\.ts\b|sqlite|postgres|syntax error|stack/i.test(text)) throw new Error(`internal detail leaked: ${text}`);
  return value;
}

/** Reads a response as a documented JSON error (see errorShape). */
export async function expectErrorShape(res: Response): Promise<{ error: string; code: string; fields?: Record<string, string> }> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`expected a JSON error body (${res.status}), got: ${text.slice(0, 300)}`);
  }
  return errorShape(body);
}

/** The Location header as a path + query (or an absolute URL when it leaves the origin). */
export function locationOf(res: Response): string {
  return res.headers.get('location') ?? '';
}

export function nextParam(location: string): string | null {
  return new URL(location, PUBLIC_ORIGIN).searchParams.get('next');
}

/** A deterministic shuffle (mulberry32), so concurrency tests are reproducible. */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
