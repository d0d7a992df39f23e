/** @module Password pages: forgot (ask for a link), reset (choose a new one), change (from the account), and the development mailbox. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { AuthCard, AuthLayout, EmailLinkPage, type EmailLinkPageProps } from './auth.tsx';
import { CsrfField, Field, FormError, NextField, UtcTime, type FieldErrors, type Flash } from './parts.tsx';

const NEW_PASSWORD_HINT = 'At least 8 characters. A few unrelated words make a strong password; common or breached passwords are refused.';

export type ForgotPasswordPageProps = EmailLinkPageProps;

export function ForgotPasswordPage(props: ForgotPasswordPageProps) {
  return (
    <EmailLinkPage
      {...props}
      heading="Forgot your password?"
      lead="Enter the e-mail of your account and we will send you a link to choose a new password."
      action="/auth/forgot-password"
      footer={
        <>
          Remembered it? <a href="/login">Log in</a>
        </>
      }
    />
  );
}

export type ResetPasswordPageProps = { csrfToken: string; flash: Flash | null; token: string; errors: FieldErrors; formError: string | null };

export function ResetPasswordPage(props: ResetPasswordPageProps) {
  const linkProblem = props.errors.token;
  return (
    <AuthLayout title="Choose a new password" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Choose a new password"
        lead="Every device signed in to your account will be signed out."
        footer={
          <>
            Link expired? <a href="/forgot-password">Ask for a new one</a>
          </>
        }
      >
        <FormError message={linkProblem ?? props.formError} />
        <form method="post" action="/auth/reset-password" class="form">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <Field name="new_password" label="New password" type="password" autocomplete="new-password" hint={NEW_PASSWORD_HINT} required error={props.errors.new_password} />
          <button type="submit" class="btn btn-primary btn-block">
            Set the new password
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export type ChangePasswordPageProps = { user: PublicUser; csrfToken: string; flash: Flash | null; errors: FieldErrors; formError: string | null };

export function ChangePasswordPage(props: ChangePasswordPageProps) {
  return (
    <AuthLayout title="Change your password" section="account" user={props.user} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Change your password"
        lead="Every other session and every API token will be signed out; this one stays."
        footer={<a href="/account">Back to your account</a>}
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/change-password" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next="/account" />
          <Field name="password" label="Current password" type="password" autocomplete="current-password" required error={props.errors.password} />
          <Field name="new_password" label="New password" type="password" autocomplete="new-password" hint={NEW_PASSWORD_HINT} required error={props.errors.new_password} />
          <button type="submit" class="btn btn-primary btn-block">
            Change password
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export type DevMailPageProps = {
  user: PublicUser | null;
  csrfToken: string;
  flash: Flash | null;
  messages: Array<{ at: string; to: string; subject: string; text: string }>;
};

/** Development only: the outbox, so a reset can be completed without a mail server. */
export function DevMailPage(props: DevMailPageProps) {
  return (
    <Layout title="Development mailbox" user={props.user} csrfToken={props.csrfToken} flash={props.flash} width="wide">
      <div class="page-header">
        <h1>Development mailbox</h1>
        <p class="lead">Messages the app would have sent. Shown only in development; set SMTP_URL to send real mail.</p>
      </div>
      <div class="stack">
        {props.messages.length === 0 ? <p class="empty">No messages yet.</p> : null}
        {props.messages.map((message) => (
          <section class="card">
            <h2>{message.subject}</h2>
            <p class="muted">
              To {message.to}, <UtcTime iso={message.at} />
            </p>
            <pre class="mail-text">{message.text}</pre>
          </section>
        ))}
      </div>
    </Layout>
  );
}
