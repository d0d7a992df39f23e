/**
 * @module The reference app: pages, admin area and health check on the public library API.
 * `createReferenceApp` is what `npm start` serves and what the HTTP tests drive.
 */
import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { AuthError, constantTimeEqual, isSafeNext, type Auth, type Principal } from '../index.ts';
import { readOutbox } from '../mail.ts';
import type { SqlStores } from '../sql.ts';
import { honoAuth, type AuthEnv, type HonoAuth } from '../adapters/hono/index.ts';
import {
  ChangePasswordPage,
  ConfirmEmailChangePage,
  ConfirmEmailPage,
  ResendConfirmationPage,
  EmailSignInCodePage,
  EmailSignInPage,
  DevMailPage,
  ForgotPasswordPage,
  ResetPasswordPage,
  AdminPage,
  AccountPage,
  AuditPage, DashboardPage, ErrorPage, HomePage, LoginPage, RegisterPage, SecondFactorPage, VerifyPage } from './views/pages.tsx';
import { rememberDeviceDays, securityRoutes } from './security.tsx';
import { adminRoutes } from './admin.ts';
import { docsRoutes } from './docs.ts';
import { isLoopbackOnlyRequest } from './loopback-only.ts';

const STATIC_FILES = new Map([
  ['style.css', { body: readFileSync(new URL('./static/style.css', import.meta.url), 'utf8'), type: 'text/css; charset=utf-8' }],
  ['favicon.svg', { body: readFileSync(new URL('./static/favicon.svg', import.meta.url), 'utf8'), type: 'image/svg+xml' }],
  ['passkeys.js', { body: readFileSync(new URL('./static/passkeys.js', import.meta.url), 'utf8'), type: 'text/javascript; charset=utf-8' }],
]);

const CONFIRM_BANNER = {
  kind: 'info',
  text: 'Please confirm your e-mail address: open the link we sent you (no mail? ask for a new one at /confirm/resend).',
} as const;

export interface ReferenceAppOptions {
  readonly onInternalError?: (error: unknown) => void;
  /** The development outbox file, listed at /dev/mail (never in production; loopback clients only). */
  readonly devMailbox?: string;
  /** Serve `GET /metrics` (the Auth must have metrics on): scrapers send the token as Bearer; without one, loopback only. */
  readonly metrics?: { readonly token: string | null };
  /**
   * The app's SQL database (`stores.db` of `createSqlStores`) for the documents API at `/api/docs`;
   * without it that API is not served. The Auth never hands out its stores: the app passes what it owns.
   */
  readonly documentsDb?: SqlStores['db'];
}

/** What @hono/node-server binds to a request: the socket it arrived on. */
interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } };
}

export interface ReferenceApp {
  readonly app: Hono<AuthEnv>;
  readonly pc: HonoAuth;
}

/** `?next=` of a page, only when it is a safe same-origin path (the one validator every redirect uses). */
function pageNext(c: Context): string | null {
  const next = c.req.query('next');
  return next !== undefined && isSafeNext(next) ? next : null;
}

export function createReferenceApp(auth: Auth, options: ReferenceAppOptions = {}): ReferenceApp {
  const pc = honoAuth(auth, {
    views: {
      login: (v) =>
        (<LoginPage csrfToken={v.csrfToken} flash={null} values={{ email: v.values.email ?? '' }} errors={v.errors} formError={v.formError} next={v.next} providers={auth.social.providers()} passkeys={auth.passkeys.available()} />).toString(),
      register: (v) =>
        (
          <RegisterPage
            csrfToken={v.csrfToken}
            flash={null}
            values={{ email: v.values.email ?? '', username: v.values.username ?? '' }}
            errors={v.errors}
            formError={v.formError}
            next={v.next}
            providers={auth.social.providers()}
          />
        ).toString(),
      verify: (v) =>
        v.user
          ? (<VerifyPage user={v.user} csrfToken={v.csrfToken} flash={null} errors={v.errors} formError={v.formError} next={v.next} secondFactor={v.errors.code !== undefined} />).toString()
          : '',
      secondFactor: (v) => {
        const methods = (v.values.methods ?? '').split(',');
        return (
          <SecondFactorPage
            csrfToken={v.csrfToken}
            flash={null}
            method={v.values.method === 'recovery_code' ? 'recovery_code' : 'totp'}
            canUseRecoveryCode={methods.includes('recovery_code')}
            canUsePasskey={auth.passkeys.available() && methods.includes('passkey')}
            rememberDeviceDays={rememberDeviceDays(auth)}
            errors={v.errors}
            formError={v.formError}
            next={v.next}
          />
        ).toString();
      },
      error: (v) => (<ErrorPage user={v.user} csrfToken={v.csrfToken} status={v.status} title={v.title} message={v.message} />).toString(),
      forgotPassword: (v) =>
        (<ForgotPasswordPage csrfToken={v.csrfToken} flash={null} values={{ email: v.values.email ?? '' }} errors={v.errors} formError={v.formError} />).toString(),
      resetPassword: (v) => (<ResetPasswordPage csrfToken={v.csrfToken} flash={null} token={v.values.token ?? ''} errors={v.errors} formError={v.formError} />).toString(),
      changePassword: (v) =>
        v.user ? (<ChangePasswordPage user={v.user} csrfToken={v.csrfToken} flash={null} errors={v.errors} formError={v.formError} />).toString() : '',
      confirm: (v) => (<ConfirmEmailPage csrfToken={v.csrfToken} flash={null} token={v.values.token ?? ''} errors={v.errors} formError={v.formError} />).toString(),
      confirmEmailChange: (v) => (<ConfirmEmailChangePage csrfToken={v.csrfToken} flash={null} token={v.values.token ?? ''} errors={v.errors} formError={v.formError} />).toString(),
      resendConfirmation: (v) =>
        (<ResendConfirmationPage csrfToken={v.csrfToken} flash={null} values={{ email: v.values.email ?? '' }} errors={v.errors} formError={v.formError} />).toString(),
      emailSignIn: (v) => (<EmailSignInPage csrfToken={v.csrfToken} flash={null} values={{ email: v.values.email ?? '' }} errors={v.errors} formError={v.formError} />).toString(),
      emailSignInCode: (v) =>
        (<EmailSignInCodePage csrfToken={v.csrfToken} flash={null} values={{ email: v.values.email ?? '' }} errors={v.errors} formError={v.formError} next={v.next} />).toString(),
    },
    ...(options.onInternalError ? { onInternalError: (error: unknown) => options.onInternalError?.(error) } : {}),
  });
  const app = new Hono<AuthEnv>();
  app.use('*', pc.middleware);
  app.onError(pc.onError);

  app.get('/healthz', async (c) => ((await auth.ping()) ? c.json({ status: 'ok' }) : c.json({ status: 'unavailable' }, 503)));
  app.get('/static/:file', (c, next) => {
    const file = STATIC_FILES.get(c.req.param('file'));
    if (!file) return next();
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(file.body, 200, { 'Content-Type': file.type });
  });

  app.route(auth.config.basePath, pc.routes);

  /**
   * Common props of every page: the user (if any), the CSRF token, the flash message — or, with
   * EMAIL_CONFIRMATION=optional and the address unconfirmed, the banner asking to confirm it.
   */
  const frame = async (c: Context<AuthEnv>) => {
    const principal = await pc.identify(c);
    const flash = pc.takeFlash(c) ?? (principal && auth.identity.showsConfirmationBanner(principal) ? CONFIRM_BANNER : null);
    return { user: principal ? auth.access.publicUser(principal) : null, csrfToken: pc.csrfToken(c), flash };
  };

  app.get('/', async (c) => c.html(<HomePage {...await frame(c)} />));

  app.get('/register', async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    if (user) return c.redirect(auth.config.pages.afterLogin, 302);
    return c.html(
      <RegisterPage csrfToken={csrfToken} flash={flash} values={{ email: '', username: '' }} errors={{}} formError={null} next={pageNext(c)} providers={auth.social.providers()} />,
    );
  });

  app.get('/login', async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    if (user) return c.redirect(pageNext(c) ?? auth.config.pages.afterLogin, 302);
    return c.html(
      <LoginPage csrfToken={csrfToken} flash={flash} values={{ email: '' }} errors={{}} formError={null} next={pageNext(c)} providers={auth.social.providers()} emailSignIn={auth.config.identity.emailSignIn} passkeys={auth.passkeys.available()} />,
    );
  });

  // Sign-in by e-mail (EMAIL_SIGNIN): absent (404) when off.
  app.get('/login/email', async (c, next) => {
    if (!auth.config.identity.emailSignIn) return next();
    const { user, csrfToken, flash } = await frame(c);
    if (user) return c.redirect(auth.config.pages.afterLogin, 302);
    return c.html(<EmailSignInPage csrfToken={csrfToken} flash={flash} values={{ email: '' }} errors={{}} formError={null} />);
  });

  app.get('/login/email/code', async (c, next) => {
    if (!auth.config.identity.emailSignIn) return next();
    const { user, csrfToken, flash } = await frame(c);
    if (user) return c.redirect(auth.config.pages.afterLogin, 302);
    return c.html(<EmailSignInCodePage csrfToken={csrfToken} flash={flash} values={{ email: '' }} errors={{}} formError={null} next={pageNext(c)} />);
  });

  // The nav's "Log out" posts here too; 307 keeps the method, the body and its CSRF token.
  app.post('/logout', (c) => c.redirect(`${auth.config.basePath}/logout`, 307));

  app.get('/forgot-password', async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    if (user) return c.redirect('/account/password', 302);
    return c.html(<ForgotPasswordPage csrfToken={csrfToken} flash={flash} values={{ email: '' }} errors={{}} formError={null} />);
  });

  app.get('/reset-password', async (c) => {
    const { csrfToken, flash } = await frame(c);
    const token = (c.req.query('token') ?? '').slice(0, 64);
    return c.html(<ResetPasswordPage csrfToken={csrfToken} flash={flash} token={token} errors={{}} formError={null} />);
  });

  app.get(auth.config.pages.confirm, async (c) => {
    const { csrfToken, flash } = await frame(c);
    const token = (c.req.query('token') ?? '').slice(0, 64);
    return c.html(<ConfirmEmailPage csrfToken={csrfToken} flash={flash} token={token} errors={{}} formError={null} />);
  });

  app.get(auth.config.pages.confirmEmailChange, async (c) => {
    const { csrfToken, flash } = await frame(c);
    const token = (c.req.query('token') ?? '').slice(0, 64);
    return c.html(<ConfirmEmailChangePage csrfToken={csrfToken} flash={flash} token={token} errors={{}} formError={null} />);
  });

  app.get('/confirm/resend', async (c) => {
    const { csrfToken, flash } = await frame(c);
    return c.html(<ResendConfirmationPage csrfToken={csrfToken} flash={flash} values={{ email: '' }} errors={{}} formError={null} />);
  });

  app.get('/account/password', pc.required(), pc.fresh(), async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    return c.html(<ChangePasswordPage user={user!} csrfToken={csrfToken} flash={flash} errors={{}} formError={null} />);
  });

  if (options.devMailbox && auth.config.environment !== 'production') {
    const mailbox = options.devMailbox;
    app.get('/dev/mail', async (c, next) => {
      // Every reset and confirmation link is on this page: anyone else gets the ordinary 404.
      const peer = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
      if (!isLoopbackOnlyRequest(peer, c.get('portcullis').client.ip, c.req.raw.headers)) return next();
      const messages = (await readOutbox(mailbox, 20)).map((m) => ({ at: m.at, to: m.to, subject: m.subject, text: m.text }));
      return c.html(<DevMailPage {...await frame(c)} messages={messages} />);
    });
  }

  // Also where a session steps up (a code instead of the password): reachable before a required second factor.
  app.get('/verify', pc.required({ beforeSecondFactor: true }), async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    const { totp, passkeys } = await auth.mfa.status(c.get('principal') as Principal);
    const passkey = auth.passkeys.available() && passkeys.length > 0;
    return c.html(<VerifyPage user={user!} csrfToken={csrfToken} flash={flash} errors={{}} formError={null} next={pageNext(c)} secondFactor={totp} passkey={passkey} />);
  });

  app.route('/', securityRoutes(auth, pc, frame));

  app.get('/dashboard', pc.required(), async (c) => {
    const { user, csrfToken, flash } = await frame(c);
    return c.html(<DashboardPage user={user!} csrfToken={csrfToken} flash={flash} />);
  });

  /** The account page, optionally with a token just created (shown once) or the create form's errors. */
  const accountPage = async (c: Context<AuthEnv>, extra: { newToken?: { name: string; token: string }; tokenErrors?: Record<string, string> } = {}, status: 200 | 201 | 400 = 200) => {
    const { user, csrfToken, flash } = await frame(c);
    const principal = c.get('principal') as Principal;
    const [sessions, tokens, identities, devices] = await Promise.all([
      auth.sessions.list(principal),
      auth.tokens.listApiTokens(principal),
      auth.social.identities(principal),
      auth.sessions.devices(principal, c.get('portcullis').client),
    ]);
    const identityViews = identities.map((i) => ({ id: i.id, provider: i.provider, email: i.email, created: i.created, lastUsed: i.last_used }));
    const sessionViews = sessions.map((s) => ({ id: s.id, createdAt: s.created_at, lastSeenAt: s.last_seen_at, ip: s.ip, userAgent: s.user_agent, current: s.current, amr: s.amr, aal: s.aal }));
    const deviceViews =
      auth.config.mfa.rememberDeviceMs === null
        ? null
        : devices.map((d) => ({ id: d.id, createdAt: d.created_at, lastUsedAt: d.last_used_at, expiresAt: d.expires_at, userAgent: d.user_agent, current: d.current }));
    const tokenViews = tokens.map((t) => ({ id: t.id, name: t.name, hint: t.hint, createdAt: t.created_at, expiresAt: t.expires_at, lastUsedAt: t.last_used_at, lastUsedIp: t.last_used_ip }));
    return c.html(
      <AccountPage
        user={user!}
        csrfToken={csrfToken}
        flash={flash}
        sessions={sessionViews}
        apiTokens={tokenViews}
        identities={identityViews}
        devices={deviceViews}
        providers={auth.social.providers()}
        {...extra}
      />,
      status,
    );
  };

  app.get('/account', pc.required(), (c) => accountPage(c));

  // Creating a personal access token from the page: a fresh login, and the secret shown once in this response.
  app.post('/account/api-tokens', pc.required(), pc.fresh(), async (c) => {
    try {
      const { token, summary } = await auth.tokens.createApiToken(c.get('principal') as Principal, await pc.body(c), c.get('portcullis').client);
      return await accountPage(c, { newToken: { name: summary.name, token } }, 201);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'INVALID_INPUT') return accountPage(c, { tokenErrors: { ...error.fields } }, 400);
      throw error;
    }
  });

  app.route(
    '/admin',
    adminRoutes(auth, pc, {
      users: async (c, props) => c.html(<AdminPage {...await frame(c)} user={c.get('user')!} {...props} />),
      audit: async (c, props) => c.html(<AuditPage {...await frame(c)} user={c.get('user')!} {...props} />),
    }),
  );

  app.get('/.well-known/jwks.json', pc.jwks);

  if (options.metrics) {
    const token = options.metrics.token;
    app.get('/metrics', async (c) => {
      const { client } = c.get('portcullis');
      const presented = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      const allowed = token ? constantTimeEqual(presented, token) : client.ip === '127.0.0.1' || client.ip === '::1';
      const rendered = allowed ? auth.renderMetrics() : undefined;
      if (!rendered) return c.json({ error: 'Not found', code: 'NOT_FOUND' }, 404);
      const { body, contentType } = await rendered;
      return c.body(body, 200, { 'Content-Type': contentType });
    });
  }

  // The documents API needs a table of its own, in the app's database (beside ours when the stores are SQL).
  if (options.documentsDb) app.route('/api/docs', docsRoutes(options.documentsDb, pc));

  app.notFound(async (c) => {
    if (pc.isJson(c)) return c.json({ error: 'Not found', code: 'NOT_FOUND' }, 404);
    const { user, csrfToken } = await frame(c);
    return c.html(<ErrorPage user={user} csrfToken={csrfToken} status={404} title="Page not found" message="There is nothing here." />, 404);
  });

  return { app, pc };
}
