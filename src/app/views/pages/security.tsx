/**
 * @module Two-step sign-in pages: `/account/security` (the authenticator app, recovery codes) and
 * `/login/second-factor` (the second step of a sign-in). No script: every action is a form, the QR
 * code an image (an SVG data URL, which cannot run script).
 */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { AuthCard, AuthLayout } from './auth.tsx';
import { CheckboxField, CsrfField, Field, FormError, NextField, PostButton, type FieldErrors, type Flash } from './parts.tsx';

export type TotpEnrolment = { secret: string; qrSvg: string };

export type SecurityPageProps = {
  user: PublicUser;
  csrfToken: string;
  flash: Flash | null;
  totp: boolean;
  recoveryCodesLeft: number;
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
    <Layout title="Security" user={props.user} csrfToken={props.csrfToken} flash={props.flash} section="account" width="wide">
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
        <section class="card" aria-labelledby="recovery-heading">
          <h2 id="recovery-heading">Recovery codes</h2>
          <p>
            <span id="recovery-left">{props.recoveryCodesLeft}</span> left. Each signs you in once when you cannot use your app.
          </p>
          {props.totp ? <PostButton action="/account/security/recovery-codes" csrfToken={props.csrfToken} label="Make new recovery codes" /> : null}
        </section>
      </div>
    </Layout>
  );
}

export type SecondFactorPageProps = {
  csrfToken: string;
  flash: Flash | null;
  method: 'totp' | 'recovery_code';
  /** Whether the account still has recovery codes to offer. */
  canUseRecoveryCode: boolean;
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
  const totp = props.method === 'totp';
  return (
    <AuthLayout title="Two-step sign-in" section="login" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Two-step sign-in"
        lead={totp ? 'Enter the 6-digit code from your authenticator app.' : 'Enter one of your recovery codes. Each works once.'}
        footer={
          totp ? (
            props.canUseRecoveryCode ? (
              <a href={withNext('/login/second-factor?method=recovery_code', props.next)}>Use a recovery code instead</a>
            ) : null
          ) : (
            <a href={withNext('/login/second-factor', props.next)}>Use your authenticator app</a>
          )
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/mfa/verify" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={props.next} />
          <input type="hidden" name="method" value={props.method} />
          <Field
            name="code"
            label={totp ? 'Code' : 'Recovery code'}
            autocomplete="one-time-code"
            required
            verbatim
            maxlength={totp ? 9 : 16}
            error={props.errors.code}
          />
          {props.rememberDeviceDays !== null ? (
            <CheckboxField name="remember_device" label={`Don't ask again on this browser for ${props.rememberDeviceDays} ${props.rememberDeviceDays === 1 ? 'day' : 'days'}`} />
          ) : null}
          <button type="submit" class="btn btn-primary btn-block">
            Continue
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}
