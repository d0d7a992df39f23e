/** @module The account page: profile, the sessions signed in to it (each revocable, with how it was signed in), remembered devices. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { Badge, CsrfField, Field, PostButton, RoleBadges, UtcTime, formatUtc, summarizeUserAgent, type Flash } from './parts.tsx';
import { LinkedAccounts, type IdentityView, type ProviderButton } from './social.tsx';
import { RememberedDevices, SignInMethod, type DeviceView } from './devices.tsx';

/** One session as the account page shows it; times are ISO-8601 strings. */
export type SessionView = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string;
  userAgent: string;
  current: boolean;
  /** How it was signed in (`["pwd","otp"]`) and its assurance level. */
  amr: readonly string[];
  aal: 1 | 2;
};

/** A personal access token as listed: never its secret. */
export type ApiTokenView = { id: string; name: string; hint: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; lastUsedIp: string | null };

export type AccountPageProps = {
  user: PublicUser;
  csrfToken: string;
  flash: Flash | null;
  sessions: SessionView[];
  apiTokens?: ApiTokenView[];
  /** A token just created: shown this once, never again. */
  newToken?: { name: string; token: string } | null;
  /** Field errors of the create-token form. */
  tokenErrors?: Record<string, string>;
  /** Linked social sign-in accounts, and the providers that can be linked. */
  identities?: IdentityView[];
  providers?: readonly ProviderButton[];
  /** Remembered devices (MFA_REMEMBER_DEVICE); null or absent when the setting is off. */
  devices?: readonly DeviceView[] | null;
};

/** Change of e-mail: the new address gets a link; nothing changes until it is opened. Asks for the password if the login is old. */
function ChangeEmail(props: { csrfToken: string }) {
  return (
    <form method="post" action="/auth/change-email" class="form form-inline" aria-label="Change your e-mail address">
      <CsrfField token={props.csrfToken} />
      <Field name="new_email" label="New e-mail" type="email" autocomplete="email" value="" required verbatim />
      <button type="submit" class="btn">
        Send a confirmation link
      </button>
    </form>
  );
}

function Profile(props: { user: PublicUser; csrfToken: string }) {
  const { user } = props;
  return (
    <section class="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <dl class="details">
        <div>
          <dt>E-mail</dt>
          <dd class="break">
            {user.email}
            <ChangeEmail csrfToken={props.csrfToken} />
          </dd>
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
        <div>
          <dt>Password</dt>
          <dd>
            <a href="/account/password">Change your password</a>
          </dd>
        </div>
        <div>
          <dt>Two-step sign-in</dt>
          <dd>
            <a href="/account/security">Authenticator app and recovery codes</a>
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
      <td data-label="Signed in with">
        <SignInMethod amr={session.amr} aal={session.aal} />
      </td>
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
            next="/account"
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
            next="/account"
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
                <th scope="col">Signed in with</th>
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

function ApiTokens(props: { tokens: ApiTokenView[]; newToken: { name: string; token: string } | null; errors: Record<string, string>; csrfToken: string }) {
  const { errors } = props;
  return (
    <section class="card" aria-labelledby="tokens-heading">
      <div class="section-header">
        <div>
          <h2 id="tokens-heading">API tokens</h2>
          <p class="muted">For scripts and other services: send one as <code>Authorization: Bearer …</code>. Creating one asks for your password if you logged in a while ago.</p>
        </div>
      </div>
      {props.newToken ? (
        <div class="flash flash-success" role="status">
          <p>
            Your new token <strong>{props.newToken.name}</strong> — copy it now, it will not be shown again:
          </p>
          <p>
            <code class="token-secret">{props.newToken.token}</code>
          </p>
        </div>
      ) : null}
      <form method="post" action="/account/api-tokens" class="search-form">
        <input type="hidden" name="csrf_token" value={props.csrfToken} />
        <div class="filter-grid">
          <div class="field">
            <label for="token-name">Name</label>
            <input id="token-name" name="name" type="text" maxlength={100} required aria-invalid={errors.name ? 'true' : undefined} aria-describedby={errors.name ? 'token-name-error' : undefined} />
            {errors.name ? (
              <p id="token-name-error" class="field-error">
                {errors.name}
              </p>
            ) : null}
          </div>
          <div class="field">
            <label for="token-expiry">Expires</label>
            <select id="token-expiry" name="expires_in" aria-invalid={errors.expires_in ? 'true' : undefined}>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="">never</option>
            </select>
          </div>
        </div>
        <div class="search-row">
          <button type="submit" class="btn btn-primary">
            Create token
          </button>
        </div>
      </form>
      {props.tokens.length === 0 ? (
        <p class="empty">No API tokens yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table table-stack">
            <caption class="visually-hidden">Your API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Token</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.tokens.map((token) => (
                <tr>
                  <th scope="row" data-label="Name">
                    {token.name}
                  </th>
                  <td data-label="Token">
                    <code>{token.hint}…</code>
                  </td>
                  <td data-label="Created">
                    <UtcTime iso={token.createdAt} />
                  </td>
                  <td data-label="Expires">{token.expiresAt ? <UtcTime iso={token.expiresAt} /> : <span class="muted">never</span>}</td>
                  <td data-label="Last used">
                    {token.lastUsedAt ? (
                      <>
                        <UtcTime iso={token.lastUsedAt} /> <span class="muted">from {token.lastUsedIp}</span>
                      </>
                    ) : (
                      <span class="muted">never</span>
                    )}
                  </td>
                  <td class="cell-actions">
                    <PostButton
                      action={`/auth/api-tokens/${encodeURIComponent(token.id)}/revoke`}
                      csrfToken={props.csrfToken}
                      label="Revoke"
                      variant="danger"
                      size="small"
                      ariaLabel={`Revoke API token ${token.name}`}
                      next="/account"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
        <Profile user={props.user} csrfToken={props.csrfToken} />
        <Sessions sessions={props.sessions} csrfToken={props.csrfToken} />
        {props.devices ? <RememberedDevices devices={props.devices} csrfToken={props.csrfToken} /> : null}
        <LinkedAccounts identities={props.identities ?? []} providers={props.providers ?? []} csrfToken={props.csrfToken} />
        <ApiTokens tokens={props.apiTokens ?? []} newToken={props.newToken ?? null} errors={props.tokenErrors ?? {}} csrfToken={props.csrfToken} />
      </div>
    </Layout>
  );
}
