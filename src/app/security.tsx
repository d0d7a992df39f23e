/**
 * @module The reference app's two-step sign-in pages: the second step of a sign-in
 * (`/login/second-factor`) and `/account/security` — set up an authenticator app (fresh login),
 * confirm it with a first code, see the recovery codes once, make new ones, remove the app. Every
 * action is a form posting here, answered with the page itself (a secret is shown only in the
 * response that made it).
 */
import { Hono, type Context } from 'hono';
import { AuthError, isSafeNext, type Auth, type Principal, type PublicUser } from '../index.ts';
import type { AuthEnv, HonoAuth } from '../adapters/hono/index.ts';
import { SecondFactorPage, SecurityPage, type SecurityPageProps } from './views/pages.tsx';

type Frame = (c: Context<AuthEnv>) => Promise<{ user: PublicUser | null; csrfToken: string; flash: SecurityPageProps['flash'] }>;

/** What the page says after the passkey script's action (it reloads with `?passkey=…`). */
const PASSKEY_NOTICES: Readonly<Record<string, string>> = {
  added: 'Your passkey was added.',
  renamed: 'Your passkey was renamed.',
  removed: 'Your passkey was removed.',
};

/** MFA_REMEMBER_DEVICE in whole days (at least 1) for the second-factor page's checkbox; null when off. */
export function rememberDeviceDays(auth: Auth): number | null {
  const ms = auth.config.mfa.rememberDeviceMs;
  return ms === null ? null : Math.max(1, Math.round(ms / 86_400_000));
}

function nextOf(c: Context, body?: Record<string, unknown>): string | null {
  const next = body?.next ?? c.req.query('next');
  return typeof next === 'string' && isSafeNext(next) ? next : null;
}

export function securityRoutes(auth: Auth, pc: HonoAuth, frame: Frame): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const principalOf = (c: Context<AuthEnv>) => c.get('principal') as Principal;
  const clientOf = (c: Context<AuthEnv>) => c.get('portcullis').client;
  // What MFA_REQUIRED_ROLES sends a user to must be reachable before the second factor exists.
  const signedIn = pc.required({ beforeSecondFactor: true });

  const page = async (c: Context<AuthEnv>, extra: Partial<SecurityPageProps> = {}, status: 200 | 400 | 401 | 429 = 200) => {
    const { user, csrfToken, flash } = await frame(c);
    const mfa = await auth.mfa.status(principalOf(c));
    const passkeys = mfa.passkeys.map((p) => ({ id: p.id, name: p.name, created: p.created, lastUsed: p.last_used }));
    const asked = c.req.query('passkey') ?? '';
    // Own keys only: `?passkey=constructor` must not find Object.prototype's.
    const notice = Object.hasOwn(PASSKEY_NOTICES, asked) ? (PASSKEY_NOTICES[asked] ?? null) : null;
    return c.html(
      <SecurityPage
        user={user!}
        csrfToken={csrfToken}
        flash={flash}
        totp={mfa.totp}
        recoveryCodesLeft={mfa.recovery_codes_left}
        passkeysAvailable={auth.passkeys.available()}
        passkeys={passkeys}
        passkeyNotice={notice}
        next={nextOf(c)}
        {...extra}
      />,
      status,
    );
  };

  app.get('/login/second-factor', async (c) => {
    const methods = await auth.mfa.pendingMethods(auth.http.readPendingSignIn(c.req.raw.headers, clientOf(c)));
    if (!methods) return pc.redirectAfterPost(c, auth.config.pages.login, 'mfa_sign_in_expired');
    const { csrfToken, flash } = await frame(c);
    const canUsePasskey = auth.passkeys.available() && methods.includes('passkey');
    const canUseTotp = methods.includes('totp');
    const method = c.req.query('method') === 'recovery_code' && methods.includes('recovery_code') ? 'recovery_code' : canUseTotp || !canUsePasskey ? 'totp' : 'passkey';
    return c.html(
      <SecondFactorPage
        csrfToken={csrfToken}
        flash={flash}
        method={method}
        canUseRecoveryCode={methods.includes('recovery_code')}
        canUsePasskey={canUsePasskey}
        canUseTotp={canUseTotp}
        rememberDeviceDays={rememberDeviceDays(auth)}
        errors={{}}
        formError={null}
        next={nextOf(c)}
      />,
    );
  });

  app.get('/account/security', signedIn, (c) => page(c));

  app.post('/account/security/totp/setup', signedIn, pc.fresh(), async (c) => {
    const body = await pc.body(c);
    try {
      const setup = await auth.mfa.setUpTotp(principalOf(c));
      return await page(c, { enrolment: { secret: setup.secret, qrSvg: setup.qr_svg }, next: nextOf(c, body) });
    } catch (error) {
      if (error instanceof AuthError && error.code === 'INVALID_INPUT') return page(c, { formError: error.message }, 400);
      throw error;
    }
  });

  app.post('/account/security/totp/confirm', signedIn, pc.fresh(), async (c) => {
    const body = await pc.body(c);
    try {
      const { recoveryCodes, session } = await auth.mfa.confirmTotp(principalOf(c), body, clientOf(c));
      // The session is AAL2 now, under a new cookie token.
      if (session) c.header('Set-Cookie', auth.http.sessionCookie(session, clientOf(c)), { append: true });
      const next = nextOf(c, body);
      if (!recoveryCodes && next) return pc.redirectAfterPost(c, next, 'mfa_enabled');
      return await page(c, { totp: true, recoveryCodes, flash: { kind: 'success', text: 'Two-step sign-in is on.' }, next });
    } catch (error) {
      if (!(error instanceof AuthError) || !['INVALID_INPUT', 'INVALID_CREDENTIALS', 'RATE_LIMITED'].includes(error.code)) throw error;
      // The secret is not shown again: a wrong first code starts the set-up over.
      const message = error.code === 'RATE_LIMITED' ? 'Too many attempts. Try again later.' : 'That code did not match. Set up the app again and enter the code it shows.';
      return page(c, { formError: message }, error.code === 'RATE_LIMITED' ? 429 : 400);
    }
  });

  // Removing the app or replacing the codes needs a recent second factor (/verify offers the code).
  app.post('/account/security/totp/remove', signedIn, pc.fresh({ level: 2 }), async (c) => {
    await auth.mfa.removeTotp(principalOf(c), clientOf(c));
    return pc.redirectAfterPost(c, '/account/security', 'mfa_removed');
  });

  app.post('/account/security/recovery-codes', signedIn, pc.fresh({ level: 2 }), async (c) => {
    const codes = await auth.mfa.regenerateRecoveryCodes(principalOf(c), clientOf(c));
    return page(c, { recoveryCodes: codes });
  });

  return app;
}
