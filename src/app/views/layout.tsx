/** @module The HTML document around every page: head, top navigation (by login state), flash message. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { PublicUser } from '../../index.ts';
import { CsrfField, type Flash } from './pages/parts.tsx';

/** Which navigation entry is the current page, for `aria-current`. */
export type NavSection = 'home' | 'login' | 'register' | 'dashboard' | 'account' | 'admin';

export type LayoutProps = {
  title: string;
  user: PublicUser | null;
  csrfToken: string;
  flash: Flash | null;
  /** Highlights the matching nav link. */
  section?: NavSection;
  /** `narrow` centres a single card (forms); `wide` is for tables. */
  width?: 'narrow' | 'normal' | 'wide';
  /** Static scripts of this page (`/static/<name>`, loaded as modules: deferred, CSP `script-src 'self'`). */
  scripts?: readonly string[];
  children?: Child;
};

export function Logo() {
  return (
    <svg class="brand-mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M4 3h16a1 1 0 0 1 1 1v17h-2.5v-3h-2v3h-2.5v-3h-2v3H9.5v-3h-2v3H5a2 2 0 0 1-2-2V4a1 1 0 0 1 1-1Zm1.5 3v2h13V6h-13Zm0 4v2h13v-2h-13Zm0 4v1.5h13V14h-13Z"
      />
    </svg>
  );
}

function NavLink(props: { href: string; label: string; section: NavSection; current: NavSection | undefined }) {
  return (
    <li>
      <a href={props.href} class="nav-link" aria-current={props.current === props.section ? 'page' : undefined}>
        {props.label}
      </a>
    </li>
  );
}

function Navigation(props: { user: PublicUser | null; csrfToken: string; section: NavSection | undefined }) {
  const { user, section } = props;
  return (
    <header class="site-header">
      <nav class="nav" aria-label="Main">
        <a href="/" class="brand" aria-current={section === 'home' ? 'page' : undefined}>
          <Logo />
          <span>Portcullis</span>
        </a>
        {user ? (
          <ul class="nav-links" role="list">
            <NavLink href="/dashboard" label="Dashboard" section="dashboard" current={section} />
            <NavLink href="/account" label="Account" section="account" current={section} />
            {user.roles.includes('admin') ? (
              <NavLink href="/admin" label="Admin" section="admin" current={section} />
            ) : null}
            <li class="nav-user" title={user.email}>
              <span class="visually-hidden">Signed in as </span>
              {user.email}
            </li>
            <li>
              <form method="post" action="/auth/logout" class="inline-form">
                <CsrfField token={props.csrfToken} />
                <button type="submit" class="btn btn-ghost btn-small">
                  Log out
                </button>
              </form>
            </li>
          </ul>
        ) : (
          <ul class="nav-links" role="list">
            <NavLink href="/login" label="Log in" section="login" current={section} />
            <li>
              <a href="/register" class="btn btn-primary btn-small" aria-current={section === 'register' ? 'page' : undefined}>
                Register
              </a>
            </li>
          </ul>
        )}
      </nav>
    </header>
  );
}

function FlashMessage(props: { flash: Flash }) {
  const { kind, text } = props.flash;
  return (
    <div class={`flash flash-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <span class="visually-hidden">{kind === 'error' ? 'Error: ' : kind === 'success' ? 'Success: ' : 'Note: '}</span>
      {text}
    </div>
  );
}

export function Layout(props: LayoutProps) {
  const width = props.width ?? 'normal';
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="referrer" content="strict-origin-when-cross-origin" />
          <title>{`${props.title} · Portcullis`}</title>
          <link rel="stylesheet" href="/static/style.css" />
          <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
          {(props.scripts ?? []).map((name) => (
            <script type="module" src={`/static/${name}`} />
          ))}
        </head>
        <body>
          <a href="#main" class="skip-link">
            Skip to content
          </a>
          <Navigation user={props.user} csrfToken={props.csrfToken} section={props.section} />
          <main id="main" class={`container container-${width}`} tabindex={-1}>
            {props.flash ? <FlashMessage flash={props.flash} /> : null}
            {props.children}
          </main>
          <footer class="site-footer">
            <p>Portcullis — authentication, secure by default.</p>
          </footer>
        </body>
      </html>
    </>
  );
}
