/** @module The audit log in the admin area: every security event, filterable by event, user, IP and day. */
import type { PublicUser } from '../../../index.ts';
import { Layout } from '../layout.tsx';
import { Badge, UtcTime, summarizeUserAgent, type Flash } from './parts.tsx';

export type AuditRow = {
  id: string;
  at: string;
  event: string;
  userId: string | null;
  identity: string | null;
  ip: string;
  userAgent: string;
  reason: string | null;
  detail: string;
};

export type AuditFilters = { event: string; user: string; ip: string; from: string; to: string };

export type AuditPageProps = {
  user: PublicUser;
  csrfToken: string;
  flash: Flash | null;
  rows: AuditRow[];
  events: readonly string[];
  filters: AuditFilters;
  page: number;
  pageCount: number;
  total: number;
};

function tone(event: string): 'danger' | 'success' | 'neutral' | 'accent' {
  if (/failed|locked|limited|protection|revoked|deactivated/.test(event)) return 'danger';
  if (/succeeded|registered|activated/.test(event)) return 'success';
  if (/role\./.test(event)) return 'accent';
  return 'neutral';
}

function pageHref(filters: AuditFilters, page: number): string {
  const query = new URLSearchParams({ ...filters, page: String(page) });
  for (const [key, value] of [...query]) if (value === '') query.delete(key);
  return `/admin/audit?${query.toString()}`;
}

function Filters(props: { filters: AuditFilters; events: readonly string[] }) {
  const { filters } = props;
  return (
    <form method="get" action="/admin/audit" class="search-form audit-filters" role="search">
      <div class="filter-grid">
        <div class="field">
          <label for="audit-event">Event</label>
          <select id="audit-event" name="event">
            <option value="">All events</option>
            {props.events.map((event) => (
              <option value={event} selected={event === filters.event}>
                {event}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-user">User or identity</label>
          <input id="audit-user" name="user" type="search" value={filters.user} placeholder="e-mail, username or user id" autocomplete="off" />
        </div>
        <div class="field">
          <label for="audit-ip">IP address</label>
          <input id="audit-ip" name="ip" type="search" value={filters.ip} autocomplete="off" spellcheck={false} />
        </div>
        <div class="field">
          <label for="audit-from">From (UTC day)</label>
          <input id="audit-from" name="from" type="date" value={filters.from} />
        </div>
        <div class="field">
          <label for="audit-to">To (UTC day)</label>
          <input id="audit-to" name="to" type="date" value={filters.to} />
        </div>
      </div>
      <div class="search-row">
        <button type="submit" class="btn btn-primary">
          Filter
        </button>
        <a href="/admin/audit" class="btn btn-ghost">
          Clear
        </a>
      </div>
    </form>
  );
}

export function AuditPage(props: AuditPageProps) {
  const { rows, filters, page, pageCount, total } = props;
  return (
    <Layout title="Audit log" user={props.user} csrfToken={props.csrfToken} flash={props.flash} section="admin" width="wide">
      <div class="page-header">
        <h1>Audit log</h1>
        <p class="lead">
          Every security event: logins and failures, lock-outs, rate limits, CSRF refusals, sessions and admin actions. <a href="/admin">Back to users</a>
        </p>
      </div>
      <section class="card" aria-labelledby="audit-heading">
        <div class="section-header">
          <h2 id="audit-heading">Events</h2>
          <p class="muted">{total === 1 ? '1 event' : `${total} events`}</p>
        </div>
        <Filters filters={filters} events={props.events} />
        {rows.length === 0 ? (
          <p class="empty">No events match.</p>
        ) : (
          <div class="table-wrap">
            <table class="table table-stack">
              <caption class="visually-hidden">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Who</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr>
                    <td data-label="Time">
                      <UtcTime iso={row.at} />
                    </td>
                    <td data-label="Event">
                      <Badge tone={tone(row.event)}>{row.event}</Badge>
                    </td>
                    <td data-label="Who">
                      {row.identity ?? row.userId ?? <span class="muted">—</span>}
                      {row.userAgent ? (
                        <div class="muted small" title={row.userAgent}>
                          {summarizeUserAgent(row.userAgent)}
                        </div>
                      ) : null}
                    </td>
                    <td data-label="IP address">
                      <code>{row.ip}</code>
                    </td>
                    <td data-label="Reason">{row.reason ?? <span class="muted">—</span>}</td>
                    <td data-label="Details">
                      <code class="small">{row.detail}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pageCount > 1 ? (
          <nav class="pagination" aria-label="Pages">
            {page > 1 ? (
              <a href={pageHref(filters, page - 1)} class="btn btn-secondary btn-small" rel="prev">
                Newer
              </a>
            ) : null}
            <span class="muted">
              Page {page} of {pageCount}
            </span>
            {page < pageCount ? (
              <a href={pageHref(filters, page + 1)} class="btn btn-secondary btn-small" rel="next">
                Older
              </a>
            ) : null}
          </nav>
        ) : null}
      </section>
    </Layout>
  );
}
