/** @module Sign-in by e-mail (EMAIL_SIGNIN): asking for a code, and entering it. No script: two plain forms. */
import { AuthCard, AuthLayout } from './auth.tsx';
import { CsrfField, Field, FormError, NextField, type FieldErrors, type Flash } from './parts.tsx';

export const EMAIL_SIGNIN_CODE_PAGE = '/login/email/code';

export type EmailSignInPageProps = { csrfToken: string; flash: Flash | null; values: { email: string }; errors: FieldErrors; formError: string | null };

/** `/login/email`: the address; the answer (the code page) is the same for every address. */
export function EmailSignInPage(props: EmailSignInPageProps) {
  return (
    <AuthLayout title="Sign in by e-mail" section="login" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Sign in by e-mail"
        lead="We send a six-digit code to your address. It works for ten minutes, in this browser only."
        footer={
          <>
            Rather use your password? <a href="/login">Log in</a>
          </>
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/email-signin" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={EMAIL_SIGNIN_CODE_PAGE} />
          <Field name="email" label="E-mail" type="email" autocomplete="email" value={props.values.email} required verbatim error={props.errors.email} />
          <button type="submit" class="btn btn-primary btn-block">
            Send me a code
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export type EmailSignInCodePageProps = {
  csrfToken: string;
  flash: Flash | null;
  values: { email: string };
  errors: FieldErrors;
  formError: string | null;
  next: string | null;
};

/** `/login/email/code`: the address again and the code from the mail. */
export function EmailSignInCodePage(props: EmailSignInCodePageProps) {
  return (
    <AuthLayout title="Enter your code" section="login" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Enter your code"
        lead="If the address has an account, a mail with a six-digit code is on its way. Enter it here, or open the link in the mail in this browser."
        footer={
          <>
            No mail? <a href="/login/email">Ask for a new code</a>
          </>
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/email-signin/verify" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={props.next} />
          <Field name="email" label="E-mail" type="email" autocomplete="email" value={props.values.email} required verbatim error={props.errors.email} />
          <Field name="code" label="Code" autocomplete="one-time-code" minlength={6} maxlength={6} required verbatim error={props.errors.code} />
          <button type="submit" class="btn btn-primary btn-block">
            Sign in
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}
