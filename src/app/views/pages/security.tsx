/**
 * @module Two-step sign-in pages: `/account/security` (the authenticator app, recovery codes) and
 * `/login/second-factor` (the second step of a sign-in). No script: every action is a form, the QR
 * code an image (an SVG data URL, which cannot run script).
 */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { AuthCard, AuthLayout } from './auth.tsx';
import { CheckboxField, CsrfField, Field, FormError, NextField, PostButton, type FieldErrors, type Flash } from './parts.tsx';
import { PASSKEY_SCRIPTS, PasskeyButton, PasskeyError, PasskeySection, type PasskeyView } from './passkeys.tsx';

export type TotpEnrolment = { secret: string; qrSvg: string };

export type SecurityPageProps = {
  user: PublicUser;
  csrfToken: string;
  flash: Flash | null;
  totp: boolean;
  recoveryCodesLeft: number;
  /** Passkeys work here (PUBLIC_URL names a domain): the passkeys card and its script. */
  passkeysAvailable?: boolean;
  passkeys?: readonly PasskeyView[];
  /** After a passkey action of the script: what happened (`?passkey=added|renamed|removed`). */
  passkeyNotice?: string | null;
  /** Set-up in progress: the QR code and the secret, shown until the first code confirms them. */
  enrolment?: TotpEnrolment | null;
  /** Recovery codes just made: shown this once. */
  recoveryCodes?: readonly string[] | null;
  errors?: FieldErrors;
  formError?: string | null;
  next?: string | null;
};

function RecoveryCodes(props: { codes: readonly string[] }) {
  return (
    <div class="flash flash-success" role="status">
      <p>
        <strong>Your recovery codes.</strong> Each signs you in once if you lose your phone. Save them somewhere safe now — they will not be shown again.
      </p>
      <ul class="recovery-codes" role="list" id="recovery-codes">
        {props.codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Enrolment(props: { enrolment: TotpEnrolment; csrfToken: string; errors: FieldErrors; formError: string | null; next: string | null }) {
  const src = `data:image/svg+xml;base64,${Buffer.from(props.enrolment.qrSvg).toString('base64')}`;
  return (
    <div class="stack">
      <p>Scan this code with your authenticator app (or type the key below), then enter the 6-digit code it shows.</p>
      <img src={src} alt="QR code for your authenticator app" width="220" height="220" class="qr-code" />
      <p>
        Key: <code id="totp-secret" class="token-secret">{props.enrolment.secret}</code>
      </p>
      <FormError message={props.formError} />
      <form method="post" action="/account/security/totp/confirm" class="form">
        <CsrfField token={props.csrfToken} />
        <NextField next={props.next} />
        <Field name="code" label="Code from the app" autocomplete="one-time-code" required verbatim maxlength={9} error={props.errors.code} />
        <button type="submit" class="btn btn-primary">
          Turn on two-step sign-in
        </button>
      </form>
    </div>
  );
}

export function SecurityPage(props: SecurityPageProps) {
  const errors = props.errors ?? {};
  return (
    <Layout
      title="Security"
      user={props.user}
      csrfToken={props.csrfToken}
      flash={props.flash}
      section="account"
      width="wide"
      scripts={props.passkeysAvailable ? PASSKEY_SCRIPTS : undefined}
    >
      <div class="page-header">
        <h1>Two-step sign-in</h1>
      </div>
      <div class="stack">
        {props.enrolment ? null : <FormError message={props.formError ?? null} />}
        {props.recoveryCodes ? <RecoveryCodes codes={props.recoveryCodes} /> : null}
        <section class="card" aria-labelledby="totp-heading">
          <h2 id="totp-heading">Authenticator app</h2>
          {props.totp ? (
            <>
              <p id="totp-status">
                <strong>On.</strong> Signing in asks for a code from your app after your password.
              </p>
              <PostButton action="/account/security/totp/remove" csrfToken={props.csrfToken} label="Remove the authenticator app" variant="danger" />
            </>
          ) : props.enrolment ? (
            <Enrolment enrolment={props.enrolment} csrfToken={props.csrfToken} errors={errors} formError={props.formError ?? null} next={props.next ?? null} />
          ) : (
            <>
              <p id="totp-status">Off. Add a code from an authenticator app (such as a password manager or a phone app) to every sign-in.</p>
              <PostButton action="/account/security/totp/setup" csrfToken={props.csrfToken} label="Set up an authenticator app" variant="primary" {...(props.next ? { next: props.next } : {})} />
            </>
          )}
        </section>
        {props.passkeysAvailable ? <PasskeySection passkeys={props.passkeys ?? []} notice={props.passkeyNotice ?? null} /> : null}
        <section class="card" aria-labelledby="recovery-heading">
          <h2 id="recovery-heading">Recovery codes</h2>
          <p>
            <span id="recovery-left">{props.recoveryCodesLeft}</span> left. Each signs you in once when you cannot use your app.
          </p>
          {props.totp || (props.passkeys ?? []).length > 0 ? (
            <PostButton action="/account/security/recovery-codes" csrfToken={props.csrfToken} label="Make new recovery codes" />
          ) : null}
        </section>
      </div>
    </Layout>
  );
}

export type SecondFactorPageProps = {
  csrfToken: string;
  flash: Flash | null;
  /** `passkey`: the account has no authenticator app, only passkeys (no code form, the passkey button). */
  method: 'totp' | 'recovery_code' | 'passkey';
  /** Whether the account still has recovery codes to offer. */
  canUseRecoveryCode: boolean;
  /** Whether the account has a passkey (and passkeys work here): a "Use a passkey" button. */
  canUsePasskey?: boolean;
  /** Whether the account has an authenticator app (the code form). Default true. */
  canUseTotp?: boolean;
  errors: FieldErrors;
  formError: string | null;
  next: string | null;
  /** MFA_REMEMBER_DEVICE in days (offers "don't ask again on this browser"); null when off. */
  rememberDeviceDays: number | null;
};

function withNext(path: string, next: string | null): string {
  return next ? `${path}${path.includes('?') ? '&' : '?'}next=${encodeURIComponent(next)}` : path;
}

export function SecondFactorPage(props: SecondFactorPageProps) {
  const { method } = props;
  const canUseTotp = props.canUseTotp ?? true;
  const lead =
    method === 'totp'
      ? 'Enter the 6-digit code from your authenticator app.'
      : method === 'recovery_code'
        ? 'Enter one of your recovery codes. Each works once.'
        : 'Use your passkey to finish signing in.';
  const remember =
    props.rememberDeviceDays !== null ? (
      <CheckboxField name="remember_device" label={`Don't ask again on this browser for ${props.rememberDeviceDays} ${props.rememberDeviceDays === 1 ? 'day' : 'days'}`} />
    ) : null;
  const links = [
    method !== 'recovery_code' && props.canUseRecoveryCode ? <a href={withNext('/login/second-factor?method=recovery_code', props.next)}>Use a recovery code instead</a> : null,
    method === 'recovery_code' ? <a href={withNext('/login/second-factor', props.next)}>{canUseTotp ? 'Use your authenticator app' : 'Use a passkey'}</a> : null,
  ].filter((link) => link !== null);
  return (
    <AuthLayout title="Two-step sign-in" section="login" user={null} csrfToken={props.csrfToken} flash={props.flash} scripts={props.canUsePasskey ? PASSKEY_SCRIPTS : undefined}>
      <AuthCard heading="Two-step sign-in" lead={lead} footer={links.length > 0 ? links : null}>
        <FormError message={props.formError} />
        {method === 'passkey' ? (
          <>
            <CsrfField token={props.csrfToken} />
            {remember}
            <noscript>
              <p class="muted">A passkey needs JavaScript in this browser; use a recovery code instead.</p>
            </noscript>
          </>
        ) : (
          <form method="post" action="/auth/mfa/verify" class="form">
            <CsrfField token={props.csrfToken} />
            <NextField next={props.next} />
            <input type="hidden" name="method" value={method} />
            <Field
              name="code"
              label={method === 'totp' ? 'Code' : 'Recovery code'}
              autocomplete="one-time-code"
              required
              verbatim
              maxlength={method === 'totp' ? 9 : 16}
              error={props.errors.code}
            />
            {remember}
            <button type="submit" class="btn btn-primary btn-block">
              Continue
            </button>
          </form>
        )}
        {props.canUsePasskey ? (
          <>
            <PasskeyError />
            <PasskeyButton kind="second-factor" label="Use a passkey" next={props.next} />
          </>
        ) : null}
      </AuthCard>
    </AuthLayout>
  );
}
