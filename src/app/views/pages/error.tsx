/** @module The friendly error page. It shows only the caller's title and message: nothing internal. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';

export type ErrorPageProps = { user: PublicUser | null; csrfToken: string; status: number; title: string; message: string };

export function ErrorPage(props: ErrorPageProps) {
  const { user, status } = props;
  return (
    <Layout title={props.title} user={user} csrfToken={props.csrfToken} flash={null} width="narrow">
      <section class="card error-card" aria-labelledby="page-heading">
        <p class="error-status">Error {status}</p>
        <h1 id="page-heading">{props.title}</h1>
        <p class="lead">{props.message}</p>
        <div class="actions">
          <a href="/" class="btn btn-primary">
            Go to the home page
          </a>
          {user ? (
            <a href="/dashboard" class="btn btn-secondary">
              Your dashboard
            </a>
          ) : status === 401 ? (
            <a href="/login" class="btn btn-secondary">
              Log in
            </a>
          ) : null}
        </div>
      </section>
    </Layout>
  );
}
