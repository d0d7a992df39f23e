/**
 * @module The views hook: the HTML the auth routes show browsers (forms re-shown with their errors,
 * error pages). An app passes its own (the reference app does, with hono/jsx pages); these defaults
 * are plain, escaped, script-free pages.
 */
import type { FieldErrors } from '../core/errors.ts';
import type { PublicUser } from '../auth.ts';

export type HtmlContent = string | Promise<string>;

export interface FormView {
  readonly csrfToken: string;
  readonly user: PublicUser | null;
  readonly errors: FieldErrors;
  readonly formError: string | null;
  readonly values: Readonly<Record<string, string>>;
  readonly next: string | null;
}

export interface ErrorView {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  readonly user: PublicUser | null;
  readonly csrfToken: string;
}

export interface AuthViews {
  login(view: FormView): HtmlContent;
  register(view: FormView): HtmlContent;
  verify(view: FormView): HtmlContent;
  forgotPassword(view: FormView): HtmlContent;
  /** `values.token` carries the link's token into the form's hidden field. */
  resetPassword(view: FormView): HtmlContent;
  changePassword(view: FormView): HtmlContent;
  /** The confirmation link's page (`values.token` in a hidden field): a button that posts it, never a GET that spends it. */
  confirm(view: FormView): HtmlContent;
  /** Ask for a new confirmation link (`values.email`). */
  resendConfirmation(view: FormView): HtmlContent;
  /** The change-of-e-mail link's page (`values.token` in a hidden field), a button that posts it. */
  confirmEmailChange(view: FormView): HtmlContent;
  /**
   * The second step of a sign-in (`values.method`: `totp` or `recovery_code`; `values.methods`: what
   * the pending sign-in offers, comma-separated); default: a plain code form.
   */
  secondFactor?(view: FormView): HtmlContent;
  /** Ask for an e-mail sign-in code (`values.email`); default: the login page. */
  emailSignIn?(view: FormView): HtmlContent;
  /** Enter the e-mail sign-in code (`values.email`); default: the login page. */
  emailSignInCode?(view: FormView): HtmlContent;
  error(view: ErrorView): HtmlContent;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function field(name: string, label: string, type: string, view: FormView): string {
  const error = view.errors[name];
  const value = type === 'password' ? '' : ` value="${escapeHtml(view.values[name] ?? '')}"`;
  return `<p><label for="${name}">${escapeHtml(label)}</label><br><input id="${name}" name="${name}" type="${type}"${value}>${error ? `<br><strong>${escapeHtml(error)}</strong>` : ''}</p>`;
}

function form(action: string, view: FormView, fields: string): string {
  const error = view.formError ? `<p role="alert">${escapeHtml(view.formError)}</p>` : '';
  const next = view.next ? `<input type="hidden" name="next" value="${escapeHtml(view.next)}">` : '';
  return `${error}<form method="post" action="${action}"><input type="hidden" name="csrf_token" value="${escapeHtml(view.csrfToken)}">${next}${fields}<button type="submit">Continue</button></form>`;
}

export function defaultViews(basePath: string): AuthViews {
  return {
    login: (v) => page('Log in', form(`${basePath}/login`, v, field('email', 'E-mail or username', 'text', v) + field('password', 'Password', 'password', v))),
    register: (v) =>
      page(
        'Register',
        form(`${basePath}/register`, v, field('email', 'E-mail', 'email', v) + field('username', 'Username (optional)', 'text', v) + field('password', 'Password', 'password', v)),
      ),
    verify: (v) => page('Confirm your password', form(`${basePath}/verify`, v, field('password', 'Password', 'password', v))),
    forgotPassword: (v) => page('Forgot your password?', form(`${basePath}/forgot-password`, v, field('email', 'E-mail', 'email', v))),
    resetPassword: (v) =>
      page(
        'Choose a new password',
        form(`${basePath}/reset-password`, v, `<input type="hidden" name="token" value="${escapeHtml(v.values.token ?? '')}">` + field('new_password', 'New password', 'password', v)),
      ),
    changePassword: (v) =>
      page('Change your password', form(`${basePath}/change-password`, v, field('password', 'Current password', 'password', v) + field('new_password', 'New password', 'password', v))),
    confirm: (v) =>
      page('Confirm your e-mail address', form(`${basePath}/confirm`, v, `<input type="hidden" name="token" value="${escapeHtml(v.values.token ?? '')}">${v.errors.token ? `<p><strong>${escapeHtml(v.errors.token)}</strong></p>` : ''}`)),
    resendConfirmation: (v) => page('Send a new confirmation link', form(`${basePath}/confirm/resend`, v, field('email', 'E-mail', 'email', v))),
    confirmEmailChange: (v) =>
      page(
        'Confirm your new e-mail address',
        form(`${basePath}/change-email/confirm`, v, `<input type="hidden" name="token" value="${escapeHtml(v.values.token ?? '')}">${v.errors.token ? `<p><strong>${escapeHtml(v.errors.token)}</strong></p>` : ''}`),
      ),
    secondFactor: (v) =>
      page(
        'Two-step sign-in',
        form(`${basePath}/mfa/verify`, v, `<input type="hidden" name="method" value="${escapeHtml(v.values.method ?? 'totp')}">` + field('code', 'Code', 'text', v)),
      ),
    error: (v) => page(v.title, `<p>${escapeHtml(v.message)}</p><p><a href="/">Home</a></p>`),
  };
}
