/** @module The credential forms: register, log in, and re-authenticate ("Confirm it's you"). */
import type { Child } from 'hono/jsx';
import type { PublicUser } from '../../../index.ts';
import { Layout, type NavSection } from '../layout.tsx';
import { CheckboxField, CsrfField, Field, FormError, NextField, type FieldErrors, type Flash } from './parts.tsx';
import { SocialButtons, type ProviderButton } from './social.tsx';
import { PASSKEY_SCRIPTS, PasskeyButton, PasskeyError } from './passkeys.tsx';

/** A centred card holding one form: title, lead text, the form, and a footer line. */
export function AuthCard(props: { heading: string; lead: Child; footer?: Child; children: Child }) {
  return (
    <section class="card auth-card" aria-labelledby="page-heading">
      <h1 id="page-heading">{props.heading}</h1>
      <p class="lead">{props.lead}</p>
      {props.children}
      {props.footer ? <p class="card-footer">{props.footer}</p> : null}
    </section>
  );
}

/** A login/register link that keeps the `next` destination. */
function withNext(path: string, next: string | null): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

/** The page of a form that asks only for an e-mail address and mails a link to it (reset, new confirmation link). */
export type EmailLinkPageProps = { csrfToken: string; flash: Flash | null; values: { email: string }; errors: FieldErrors; formError: string | null };

export function EmailLinkPage(props: EmailLinkPageProps & { heading: string; lead: string; action: string; footer: Child }) {
  return (
    <AuthLayout title={props.heading} user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard heading={props.heading} lead={props.lead} footer={props.footer}>
        <FormError message={props.formError} />
        <form method="post" action={props.action} class="form">
          <CsrfField token={props.csrfToken} />
          <Field name="email" label="E-mail" type="email" autocomplete="email" value={props.values.email} required verbatim error={props.errors.email} />
          <button type="submit" class="btn btn-primary btn-block">
            Send the link
          </button>
        </form>
      </AuthCard>
    </AuthLayout>
  );
}

export function AuthLayout(props: {
  title: string;
  section?: NavSection;
  user: PublicUser | null;
  csrfToken: string;
  flash: Flash | null;
  scripts?: readonly string[];
  children: Child;
}) {
  return (
    <Layout title={props.title} user={props.user} csrfToken={props.csrfToken} flash={props.flash} section={props.section} width="narrow" scripts={props.scripts}>
      {props.children}
    </Layout>
  );
}

export type RegisterPageProps = {
  csrfToken: string;
  flash: Flash | null;
  values: { email: string; username: string };
  errors: FieldErrors;
  formError: string | null;
  next: string | null;
  /** Social sign-in providers: a button each. */
  providers?: readonly ProviderButton[];
};

export function RegisterPage(props: RegisterPageProps) {
  return (
    <AuthLayout title="Create your account" section="register" user={null} csrfToken={props.csrfToken} flash={props.flash}>
      <AuthCard
        heading="Create your account"
        lead="It takes a few seconds. Your password is hashed with Argon2 and never stored as typed."
        footer={
          <>
            Already have an account? <a href={withNext('/login', props.next)}>Log in</a>
          </>
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/register" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={props.next} />
          <Field name="email" label="E-mail" type="email" autocomplete="email" value={props.values.email} required verbatim maxlength={254} error={props.errors.email} />
          <Field
            name="username"
            label="Username"
            autocomplete="username"
            value={props.values.username}
            optional
            verbatim
            maxlength={32}
            hint="3 to 32 letters, digits, dots, dashes or underscores. You can log in with it instead of your e-mail."
            error={props.errors.username}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            required
            minlength={8}
            hint="At least 8 characters"
            error={props.errors.password}
          />
          <button type="submit" class="btn btn-primary btn-block">
            Create account
          </button>
        </form>
        <SocialButtons providers={props.providers ?? []} next={props.next} />
      </AuthCard>
    </AuthLayout>
  );
}

export type LoginPageProps = {
  csrfToken: string;
  flash: Flash | null;
  values: { email: string };
  errors: FieldErrors;
  formError: string | null;
  next: string | null;
  /** Social sign-in providers: a button each. */
  providers?: readonly ProviderButton[];
  /** EMAIL_SIGNIN is on: a link to sign in by a mailed code. */
  emailSignIn?: boolean;
  /** Passkeys work here: a "Sign in with a passkey" button, and passkeys offered in the e-mail field's autofill. */
  passkeys?: boolean;
};

export function LoginPage(props: LoginPageProps) {
  return (
    <AuthLayout title="Log in" section="login" user={null} csrfToken={props.csrfToken} flash={props.flash} scripts={props.passkeys ? PASSKEY_SCRIPTS : undefined}>
      <AuthCard
        heading="Welcome back"
        lead="Log in to continue to your account."
        footer={
          <>
            New here? <a href={withNext('/register', props.next)}>Create an account</a>
          </>
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/login" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={props.next} />
          <Field
            name="email"
            label="E-mail or username"
            autocomplete={props.passkeys ? 'username webauthn' : 'username'}
            value={props.values.email}
            required
            verbatim
            error={props.errors.email}
          />
          <Field name="password" label="Password" type="password" autocomplete="current-password" required error={props.errors.password} />
          <CheckboxField name="remember" label="Keep me signed in for 30 days" />
          <p class="field-hint">
            <a href="/forgot-password">Forgot your password?</a>
          </p>
          <button type="submit" class="btn btn-primary btn-block">
            Log in
          </button>
        </form>
        {props.passkeys ? (
          <>
            <PasskeyError />
            <PasskeyButton kind="login" label="Sign in with a passkey" next={props.next} />
          </>
        ) : null}
        {props.emailSignIn ? (
          <p class="field-hint">
            <a href="/login/email">Sign in by e-mail</a>
          </p>
        ) : null}
        <SocialButtons providers={props.providers ?? []} next={props.next} />
      </AuthCard>
    </AuthLayout>
  );
}

export type VerifyPageProps = {
  user: PublicUser;
  /** The user has an authenticator app: offer a code (a step-up) besides the password. */
  secondFactor?: boolean;
  /** The user has a passkey (and passkeys work here): offer it as the step-up. */
  passkey?: boolean;
  csrfToken: string;
  flash: Flash | null;
  errors: FieldErrors;
  formError: string | null;
  next: string | null;
};

export function VerifyPage(props: VerifyPageProps) {
  return (
    <AuthLayout title="Confirm it's you" user={props.user} csrfToken={props.csrfToken} flash={props.flash} scripts={props.passkey ? PASSKEY_SCRIPTS : undefined}>
      <AuthCard
        heading="Confirm it's you"
        lead={
          <>
            This action needs a recent login. Enter the password for <strong>{props.user.email}</strong> to continue.
          </>
        }
        footer={
          <>
            Changed your mind? <a href="/dashboard">Back to the dashboard</a>
          </>
        }
      >
        <FormError message={props.formError} />
        <form method="post" action="/auth/verify" class="form">
          <CsrfField token={props.csrfToken} />
          <NextField next={props.next} />
          <Field name="password" label="Password" type="password" autocomplete="current-password" required error={props.errors.password} />
          <button type="submit" class="btn btn-primary btn-block">
            Confirm
          </button>
        </form>
        {props.secondFactor ? (
          <form method="post" action="/auth/verify" class="form" id="step-up-form">
            <p class="muted">Or, where a second factor is asked for, the code from your authenticator app:</p>
            <CsrfField token={props.csrfToken} />
            <NextField next={props.next} />
            <input type="hidden" name="method" value="totp" />
            <Field name="code" label="Code from the app" autocomplete="one-time-code" verbatim maxlength={9} error={props.errors.code} />
            <button type="submit" class="btn btn-secondary btn-block">
              Confirm with a code
            </button>
          </form>
        ) : null}
        {props.passkey ? (
          <>
            <PasskeyError />
            <PasskeyButton kind="step-up" label="Confirm with a passkey" next={props.next} />
          </>
        ) : null}
      </AuthCard>
    </AuthLayout>
  );
}
