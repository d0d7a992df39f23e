/** @module The landing page: what Portcullis is, and where to go next. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import type { Flash } from './parts.tsx';

export type HomePageProps = { user: PublicUser | null; csrfToken: string; flash: Flash | null };

const FEATURES: { title: string; text: string }[] = [
  { title: 'Server-side sessions', text: 'Random tokens, stored only as hashes, revocable at once from any device.' },
  { title: 'Hardened by default', text: 'CSRF tokens, rate limits, lockout with backoff, strict cookies and security headers.' },
  { title: 'Roles & fresh logins', text: 'Guard routes by role or permission, and ask for the password again before sensitive actions.' },
  { title: 'Sessions or tokens', text: 'Cookies for browsers; rotating access and refresh tokens for APIs and apps.' },
];

export function HomePage(props: HomePageProps) {
  const { user } = props;
  return (
    <Layout title="Authentication, secure by default" user={user} csrfToken={props.csrfToken} flash={props.flash} section="home">
      <section class="hero" aria-labelledby="page-heading">
        <p class="eyebrow">Authentication for TypeScript on Node.js</p>
        <h1 id="page-heading">Keep the gate shut to everyone but your users.</h1>
        <p class="hero-lead">
          Portcullis gives your Hono or Express app registration, login, sessions, roles and API tokens — with the
          hardening of a security review switched on from the first request.
        </p>
        <div class="actions">
          {user ? (
            <>
              <a href="/dashboard" class="btn btn-primary btn-large">
                Go to your dashboard
              </a>
              <a href="/account" class="btn btn-secondary btn-large">
                Manage your account
              </a>
            </>
          ) : (
            <>
              <a href="/register" class="btn btn-primary btn-large">
                Create an account
              </a>
              <a href="/login" class="btn btn-secondary btn-large">
                Log in
              </a>
            </>
          )}
        </div>
      </section>
      <section aria-labelledby="features-heading">
        <h2 id="features-heading" class="visually-hidden">
          Features
        </h2>
        <ul class="feature-grid" role="list">
          {FEATURES.map((feature) => (
            <li class="card feature">
              <h3>{feature.title}</h3>
              <p>{feature.text}</p>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
