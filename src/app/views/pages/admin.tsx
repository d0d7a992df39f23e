/** @module The admin area: search users, grant and revoke roles, deactivate and reactivate accounts. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { Badge, CsrfField, PostButton, UtcTime, roleTone, type Flash } from './parts.tsx';

export type AdminUserRow = { user: PublicUser; createdAt: string; lastLoginAt: string | null };
export type RoleView = { name: string; description: string };

export type AdminPageProps = {
  user: PublicUser;
  csrfToken: string;
  flash: Flash | null;
  rows: AdminUserRow[];
  roles: RoleView[];
  search: string;
  page: number;
  pageCount: number;
  total: number;
};

const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;
const pageHref = (search: string, page: number) => `/admin?q=${encodeURIComponent(search)}&page=${page}`;

function SearchForm(props: { search: string }) {
  return (
    <form method="get" action="/admin" class="search-form" role="search">
      <label for="admin-search">Search users</label>
      <div class="search-row">
        <input id="admin-search" type="search" name="q" value={props.search} placeholder="E-mail or username" autocomplete="off" spellcheck={false} autocapitalize="none" />
        <button type="submit" class="btn btn-primary">
          Search
        </button>
        {props.search ? (
          <a href="/admin" class="btn btn-ghost">
            Clear
          </a>
        ) : null}
      </div>
    </form>
  );
}

function RoleCell(props: { row: AdminUserRow; roles: RoleView[]; csrfToken: string; index: number }) {
  const { user } = props.row;
  const grantable = props.roles.filter((role) => !user.roles.includes(role.name));
  const selectId = `grant-role-${props.index}`;
  return (
    <div class="role-cell">
      {user.roles.length === 0 ? <span class="muted">No roles</span> : null}
      <ul class="badge-list" role="list">
        {user.roles.map((role) => (
          <li class={`badge badge-${roleTone(role)} role-chip`}>
            <span>{role}</span>
            <form method="post" action={`${userPath(user.id)}/roles/${encodeURIComponent(role)}/revoke`} class="inline-form">
              <CsrfField token={props.csrfToken} />
              <button type="submit" class="chip-button" aria-label={`Revoke role ${role} from ${user.email}`} title="Revoke">
                <span aria-hidden="true">×</span>
              </button>
            </form>
          </li>
        ))}
      </ul>
      {grantable.length > 0 ? (
        <form method="post" action={`${userPath(user.id)}/roles`} class="grant-form">
          <CsrfField token={props.csrfToken} />
          <label for={selectId} class="visually-hidden">
            Role to grant to {user.email}
          </label>
          <select id={selectId} name="role" class="select-small">
            {grantable.map((role) => (
              <option value={role.name} title={role.description}>
                {role.name}
              </option>
            ))}
          </select>
          <button type="submit" class="btn btn-secondary btn-small" aria-label={`Grant the selected role to ${user.email}`}>
            Grant
          </button>
        </form>
      ) : null}
    </div>
  );
}

function UserRow(props: { row: AdminUserRow; self: PublicUser; roles: RoleView[]; csrfToken: string; index: number }) {
  const { row, csrfToken } = props;
  const { user } = row;
  const isSelf = user.id === props.self.id;
  return (
    <tr class={user.active ? undefined : 'row-inactive'}>
      <th scope="row" data-label="User">
        <span class="user-email break">{user.email}</span>
        {isSelf ? (
          <>
            {' '}
            <Badge tone="accent">You</Badge>
          </>
        ) : null}
        <span class="user-sub muted">{user.username ? `@${user.username}` : 'No username'}</span>
      </th>
      <td data-label="Roles">
        <RoleCell row={row} roles={props.roles} csrfToken={csrfToken} index={props.index} />
      </td>
      <td data-label="Status">
        {user.active ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Inactive</Badge>}
      </td>
      <td data-label="Joined">
        <UtcTime iso={row.createdAt} />
      </td>
      <td data-label="Last login">{row.lastLoginAt ? <UtcTime iso={row.lastLoginAt} /> : <span class="muted">Never</span>}</td>
      <td class="cell-actions">
        <div class="action-stack">
          {isSelf ? null : user.active ? (
            <PostButton action={`${userPath(user.id)}/deactivate`} csrfToken={csrfToken} label="Deactivate" variant="danger" size="small" ariaLabel={`Deactivate ${user.email}`} />
          ) : (
            <PostButton action={`${userPath(user.id)}/activate`} csrfToken={csrfToken} label="Reactivate" variant="secondary" size="small" ariaLabel={`Reactivate ${user.email}`} />
          )}
          <PostButton action={`${userPath(user.id)}/unlock`} csrfToken={csrfToken} label="Unlock" variant="ghost" size="small" ariaLabel={`Clear the login lock-out of ${user.email}`} />
          {isSelf ? null : (
            <PostButton action={`${userPath(user.id)}/sessions/revoke`} csrfToken={csrfToken} label="Sign out everywhere" variant="ghost" size="small" ariaLabel={`Revoke every session and token of ${user.email}`} />
          )}
        </div>
      </td>
    </tr>
  );
}

/** Page numbers around the current one, with the first and last always reachable. */
function pageWindow(page: number, pageCount: number): (number | 'gap')[] {
  const pages: (number | 'gap')[] = [];
  for (let n = 1; n <= pageCount; n++) {
    if (n === 1 || n === pageCount || Math.abs(n - page) <= 2) pages.push(n);
    else if (pages.at(-1) !== 'gap') pages.push('gap');
  }
  return pages;
}

function Pagination(props: { search: string; page: number; pageCount: number }) {
  const { search, page, pageCount } = props;
  if (pageCount <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      {page > 1 ? (
        <a href={pageHref(search, page - 1)} class="btn btn-secondary btn-small" rel="prev">
          Previous
        </a>
      ) : null}
      <ul class="page-list" role="list">
        {pageWindow(page, pageCount).map((entry) =>
          entry === 'gap' ? (
            <li class="page-gap" aria-hidden="true">
              …
            </li>
          ) : (
            <li>
              <a href={pageHref(search, entry)} class="page-link" aria-current={entry === page ? 'page' : undefined} aria-label={`Page ${entry}`}>
                {entry}
              </a>
            </li>
          ),
        )}
      </ul>
      {page < pageCount ? (
        <a href={pageHref(search, page + 1)} class="btn btn-secondary btn-small" rel="next">
          Next
        </a>
      ) : null}
    </nav>
  );
}

function RoleList(props: { roles: RoleView[] }) {
  return (
    <section class="card" aria-labelledby="roles-heading">
      <h2 id="roles-heading">Roles</h2>
      {props.roles.length === 0 ? (
        <p class="empty">No roles are defined.</p>
      ) : (
        <dl class="details">
          {props.roles.map((role) => (
            <div>
              <dt>
                <Badge tone={roleTone(role.name)}>{role.name}</Badge>
              </dt>
              <dd>{role.description}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

export function AdminPage(props: AdminPageProps) {
  const { rows, search, total } = props;
  return (
    <Layout title="Admin" user={props.user} csrfToken={props.csrfToken} flash={props.flash} section="admin" width="wide">
      <div class="page-header">
        <h1>Administration</h1>
        <p class="lead">
          Manage who can get in, and what they can do. <a href="/admin/audit">Audit log</a>
        </p>
      </div>
      <div class="stack">
        <section class="card" aria-labelledby="users-heading">
          <div class="section-header">
            <h2 id="users-heading">Users</h2>
            <p class="muted">
              {total === 1 ? '1 user' : `${total} users`}
              {search ? ` matching “${search}”` : ''}
            </p>
          </div>
          <SearchForm search={search} />
          {rows.length === 0 ? (
            <p class="empty">{search ? `No users match “${search}”.` : 'No users yet.'}</p>
          ) : (
            <div class="table-wrap">
              <table class="table table-stack">
                <caption class="visually-hidden">Users, page {props.page} of {props.pageCount}</caption>
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Status</th>
                    <th scope="col">Joined</th>
                    <th scope="col">Last login</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row, index) => (
                    <UserRow row={row} self={props.user} roles={props.roles} csrfToken={props.csrfToken} index={index} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pagination search={search} page={props.page} pageCount={props.pageCount} />
        </section>
        <RoleList roles={props.roles} />
      </div>
    </Layout>
  );
}
