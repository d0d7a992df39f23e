/** @module The signed-in landing page: who you are, your roles, where to go. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { RoleBadges, type Flash } from './parts.tsx';

export type DashboardPageProps = { user: PublicUser; csrfToken: string; flash: Flash | null };

export function DashboardPage(props: DashboardPageProps) {
  const { user } = props;
  const isAdmin = user.roles.includes('admin');
  return (
    <Layout title="Dashboard" user={user} csrfToken={props.csrfToken} flash={props.flash} section="dashboard">
      <div class="page-header">
        <h1>Welcome, {user.username ?? user.email}</h1>
        <p class="lead">You are signed in as {user.email}.</p>
      </div>
      <section class="card" aria-labelledby="roles-heading">
        <h2 id="roles-heading">Your roles</h2>
        <RoleBadges roles={user.roles} />
      </section>
      <ul class="link-grid" role="list">
        <li>
          <a href="/account" class="card link-card">
            <span class="link-card-title">Account</span>
            <span class="link-card-text">Your profile and the devices signed in to your account.</span>
          </a>
        </li>
        {isAdmin ? (
          <li>
            <a href="/admin" class="card link-card">
              <span class="link-card-title">Administration</span>
              <span class="link-card-text">Find users, grant and revoke roles, deactivate accounts.</span>
            </a>
          </li>
        ) : null}
      </ul>
    </Layout>
  );
}
