/** @module Confirming an e-mail address: the link's page (one button that posts the token) and asking for a new link. */
import { AuthCard, AuthLayout, EmailLinkPage, type EmailLinkPageProps } from './auth.tsx';
import { CsrfField, FormError, type FieldErrors, type Flash } from './parts.tsx';

export type ConfirmEmailPageProps = { csrfToken: string; flash: Flash | null; token: string; errors: FieldErrors; formError: string | null };

/** The link opens this page; only the button spends the link (mail scanners that prefetch links spend nothing). */
export function ConfirmEmailPage(props: ConfirmEmailPageProps) {
  return (
    <AuthLayout title="Confirm your e-mail address" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Confirm your e-mail address"
        lead="One click and your account is ready."
        footer={
          <>
            Link expired? <a href="/confirm/resend">Ask for a new one</a>
          </>
        }
      >
        <FormError message={props.errors.token ?? props.formError} />
        <form method="post" action="/auth/confirm" class="form">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <button type="submit" class="btn btn-primary btn-block">
            Confirm my address
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export type ConfirmEmailChangePageProps = { csrfToken: string; flash: Flash | null; token: string; errors: FieldErrors; formError: string | null };

/** The change-of-e-mail link opens this page; only the button moves the account. */
export function ConfirmEmailChangePage(props: ConfirmEmailChangePageProps) {
  return (
    <AuthLayout title="Confirm your new e-mail address" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard heading="Confirm your new e-mail address" lead="Your account will use this address from now on; the old one is told.">
        <FormError message={props.errors.token ?? props.formError} />
        <form method="post" action="/auth/change-email/confirm" class="form">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <button type="submit" class="btn btn-primary btn-block">
            Use this address
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export type ResendConfirmationPageProps = EmailLinkPageProps;

export function ResendConfirmationPage(props: ResendConfirmationPageProps) {
  return (
    <EmailLinkPage
      {...props}
      heading="Send a new confirmation link"
      lead="Enter the e-mail you signed up with. If it is waiting for confirmation, a new link is on its way."
      action="/auth/confirm/resend"
      footer={
        <>
          Already confirmed? <a href="/login">Log in</a>
        </>
      }
    />
  );
}
