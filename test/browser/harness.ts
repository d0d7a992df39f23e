/**
 * Browser-test harness: the real reference server (`startServer`, temp SQLite file, free port),
 * Debian's Chromium driven by playwright-core, and the small helpers every browser test shares —
 * what a person does (register, log in, log out) and what a person would notice (console errors,
 * CSP violations). Each test uses fresh browser contexts; each file its own server.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser, type BrowserContext, type CDPSession, type ConsoleMessage, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startServer, type RunningServer } from '../../src/app/start.ts';

export const CHROMIUM_PATH = process.env.PORTCULLIS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A password the app's policy accepts (long, not in any blocklist, strong to zxcvbn). */
export const PASSWORD = 'Quiet-lantern-harbour-47';
export const SCREENSHOT_DIR = resolve('test-results/screenshots');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createNetServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface App {
  readonly server: RunningServer;
  /** `http://127.0.0.1:<port>` (or `http://localhost:<port>` with `publicHost`), also the configured PUBLIC_URL. */
  readonly url: string;
  readonly adminEmail: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * The host name of PUBLIC_URL (and of `app.url`, which the browser opens); the server still
   * listens on 127.0.0.1. WebAuthn needs `localhost`: an IP address is no valid relying-party ID.
   */
  readonly publicHost?: 'localhost' | '127.0.0.1';
}

/**
 * Starts the reference server as `npm start` would, on a free port with a throwaway SQLite file.
 * Rate limits are generous unless a test overrides them: one file drives many logins from one IP.
 */
export async function startApp(overrides: Record<string, string> = {}, options: StartOptions = {}): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-browser-'));
  const port = await freePort();
  const publicUrl = `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
  const adminEmail = 'admin@example.test';
  const server = await startServer(
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      MAIL_OUTBOX: join(dir, 'outbox.jsonl'),
      BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      LOG_LEVEL: 'silent',
      AUTH_RATE_LIMIT_LOGIN: '100/1m',
      AUTH_RATE_LIMIT_REGISTER: '100/1h',
      // The browser tests sign up and sign in at once; the confirmation test sets it to required.
      EMAIL_CONFIRMATION: 'off',
      ...overrides,
    },
    pino({ level: 'silent' }),
  );
  return {
    server,
    url: options.publicHost === 'localhost' ? publicUrl : server.url,
    adminEmail,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A platform authenticator in the browser (DevTools `WebAuthn` domain), as a phone or laptop with a fingerprint reader. */
export interface VirtualAuthenticator {
  readonly cdp: CDPSession;
  readonly authenticatorId: string;
  /** The credentials it holds now (resident keys included): what a person's device would have stored. */
  credentials(): Promise<Array<{ credentialId: string; isResidentCredential: boolean; rpId?: string; userHandle?: string; signCount: number }>>;
  /** Whether the next user-verification prompt succeeds (a recognised fingerprint) or fails. */
  setUserVerified(verified: boolean): Promise<void>;
  /**
   * Whether the person answers prompts (touches the key) at once. On by default; then Chromium also
   * answers a conditional-UI request (`mediation: 'conditional'`) at once, as if the person picked
   * the passkey from the autofill list. Off: requests wait, e.g. while a test types a password.
   */
  setPresence(enabled: boolean): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Adds Chromium's virtual authenticator to the page's context: CTAP2 over an internal transport,
 * discoverable (resident) keys and user verification — the kind of authenticator passkeys use.
 * Every page of the context sees it while the CDP session lives.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    setUserVerified: async (isUserVerified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    setPresence: async (enabled) => {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}

/** What the page reported while a test drove it. */
export interface PageReport {
  /** Console messages of type `error`, as text. */
  readonly consoleErrors: string[];
  /** Uncaught exceptions in page scripts. */
  readonly pageErrors: string[];
  /** `securitypolicyviolation` events seen by a listener on `document`, as `directive blocked-uri`. */
  readonly cspViolations: string[];
}

const CSP_MARKER = '__portcullis_csp_violation__';

/**
 * A fresh context whose pages report console errors, page errors and CSP violations. The
 * violation listener is registered on `document` before any page script runs (an init script,
 * which Playwright injects outside the page's CSP) and forwards each event to the console.
 */
export async function newContext(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; report: PageReport }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const report: PageReport = { consoleErrors: [], pageErrors: [], cspViolations: [] };
  await context.addInitScript((marker: string) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.info(`${marker} ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
    });
  }, CSP_MARKER);
  const watch = (page: Page) => {
    page.on('console', (message: ConsoleMessage) => {
      const text = message.text();
      if (text.startsWith(CSP_MARKER)) report.cspViolations.push(text.slice(CSP_MARKER.length + 1));
      else if (message.type() === 'error') report.consoleErrors.push(text);
    });
    page.on('pageerror', (error) => report.pageErrors.push(String(error)));
  };
  context.on('page', watch);
  return { context, report };
}

/** The path (and query) the page is on now. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

export async function register(page: Page, app: App, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${app.url}/register`);
  await page.fill('#field-email', email);
  await page.fill('#field-password', password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/register'), page.click('form[action="/auth/register"] button[type="submit"]')]);
}

export async function login(page: Page, app: App, identity: string, password = PASSWORD): Promise<void> {
  await page.goto(`${app.url}/login`);
  await page.fill('#field-email', identity);
  await page.fill('#field-password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/login"] button[type="submit"]')]);
}

/** Clicks the navigation's "Log out" button (a POST form with the CSRF token). */
export async function logout(page: Page): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click('header form[action="/auth/logout"] button[type="submit"]')]);
}

/** Text a person sees in the page's main region (the navigation is left out). */
export async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
}

/** If the app asks for the password again ("Confirm it's you"), gives it and follows on. */
export async function confirmPasswordIfAsked(page: Page, password = PASSWORD): Promise<boolean> {
  if (new URL(page.url()).pathname !== '/verify') return false;
  await page.fill('#field-password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/auth/verify"] button[type="submit"]')]);
  return true;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A user's record through the server's own stores. */
export async function userByEmail(app: App, email: string) {
  const user = await app.server.stores.users.findUserByEmailKey(email.toLowerCase());
  expect(user, `user ${email} exists`).toBeDefined();
  return user!;
}

export async function rolesOf(app: App, userId: string): Promise<readonly string[]> {
  const authz = await app.server.stores.roles.authorizationOfUser(userId);
  return authz.roles;
}

/**
 * The attacker's site: a second local HTTP server on another port, serving whatever pages a test
 * sets (each path → HTML or JavaScript). It logs every request so a test can see it was visited.
 */
export interface AttackerSite {
  readonly port: number;
  readonly requests: string[];
  set(path: string, body: string, type?: string): void;
  close(): Promise<void>;
}

export async function startAttackerSite(): Promise<AttackerSite> {
  const pages = new Map<string, { body: string; type: string }>();
  const requests: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://attacker').pathname;
    requests.push(`${req.method} ${path}`);
    const page = pages.get(path);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': page.type, 'Cache-Control': 'no-store' }).end(page.body);
  });
  const port = await new Promise<number>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    port,
    requests,
    set: (path, body, type = 'text/html; charset=utf-8') => pages.set(path, { body, type }),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
