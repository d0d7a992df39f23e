/** @module The account page: profile, and the sessions signed in to it, each revocable. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { Badge, PostButton, RoleBadges, UtcTime, formatUtc, summarizeUserAgent, type Flash } from './parts.tsx';

/** One session as the account page shows it; times are ISO-8601 strings. */
export type SessionView = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string;
  userAgent: string;
  current: boolean;
};

export type AccountPageProps = { user: PublicUser; csrfToken: string; flash: Flash | null; sessions: SessionView[] };

function Profile(props: { user: PublicUser }) {
  const { user } = props;
  return (
    <section class="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <dl class="details">
        <div>
          <dt>E-mail</dt>
          <dd class="break">{user.email}</dd>
        </div>
        <div>
          <dt>Username</dt>
          <dd class="break">{user.username ?? <span class="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>
            <RoleBadges roles={user.roles} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

function SessionRow(props: { session: SessionView; csrfToken: string }) {
  const { session } = props;
  const device = summarizeUserAgent(session.userAgent);
  return (
    <tr class={session.current ? 'row-current' : undefined}>
      <th scope="row" data-label="Device">
        <span class="device" title={session.userAgent || undefined}>
          {device}
        </span>
        {session.current ? (
          <>
            {' '}
            <Badge tone="success">This device</Badge>
          </>
        ) : null}
      </th>
      <td data-label="IP address">
        <code>{session.ip || '—'}</code>
      </td>
      <td data-label="Signed in">
        <UtcTime iso={session.createdAt} />
      </td>
      <td data-label="Last seen">
        <UtcTime iso={session.lastSeenAt} />
      </td>
      <td class="cell-actions">
        {session.current ? (
          <span class="muted">Current session</span>
        ) : (
          <PostButton
            action={`/auth/sessions/${encodeURIComponent(session.id)}/revoke`}
            csrfToken={props.csrfToken}
            label="Revoke"
            variant="danger"
            size="small"
            ariaLabel={`Revoke session: ${device}, last seen ${formatUtc(session.lastSeenAt)}`}
          />
        )}
      </td>
    </tr>
  );
}

function Sessions(props: { sessions: SessionView[]; csrfToken: string }) {
  const others = props.sessions.filter((session) => !session.current).length;
  return (
    <section class="card" aria-labelledby="sessions-heading">
      <div class="section-header">
        <div>
          <h2 id="sessions-heading">Sessions</h2>
          <p class="muted">
            Devices signed in to your account. Revoke any you don't recognise; it is signed out at once.
          </p>
        </div>
        {others > 0 ? (
          <PostButton
            action="/auth/sessions/revoke-others"
            csrfToken={props.csrfToken}
            label="Log out all other sessions"
            variant="danger"
          />
        ) : null}
      </div>
      {props.sessions.length === 0 ? (
        <p class="empty">No active sessions.</p>
      ) : (
        <div class="table-wrap">
          <table class="table table-stack">
            <caption class="visually-hidden">Your active sessions</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.sessions.map((session) => (
                <SessionRow session={session} csrfToken={props.csrfToken} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {others === 0 && props.sessions.length > 0 ? <p class="muted">This is your only active session.</p> : null}
    </section>
  );
}

export function AccountPage(props: AccountPageProps) {
  return (
    <Layout title="Account" user={props.user} csrfToken={props.csrfToken} flash={props.flash} section="account" width="wide">
      <div class="page-header">
        <h1>Your account</h1>
      </div>
      <div class="stack">
        <Profile user={props.user} />
        <Sessions sessions={props.sessions} csrfToken={props.csrfToken} />
      </div>
    </Layout>
  );
}
