/** @module The small building blocks every page form shares: labelled fields, hidden tokens, badges, times. */
import type { Child } from 'hono/jsx';

export type Flash = { kind: 'success' | 'info' | 'error'; text: string };
export type FieldErrors = Record<string, string>;

/** The hidden CSRF field every POST form carries. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="csrf_token" value={props.token} />;
}

/** The hidden `next` field, only when there is somewhere to return to. */
export function NextField(props: { next: string | null }) {
  return props.next ? <input type="hidden" name="next" value={props.next} /> : null;
}

/** The form-level error box, announced by screen readers as soon as the page loads. */
export function FormError(props: { message: string | null }) {
  if (!props.message) return null;
  return (
    <div class="form-error" role="alert" id="form-error">
      <svg class="form-error-icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
        <path fill="currentColor" d="M10 1.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17Zm-.9 4.3h1.8v5.4H9.1V5.8Zm0 7h1.8v1.8H9.1v-1.8Z" />
      </svg>
      <p>{props.message}</p>
    </div>
  );
}

type FieldProps = {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'search';
  value?: string;
  autocomplete?: string;
  hint?: string;
  optional?: boolean;
  required?: boolean;
  minlength?: number;
  maxlength?: number;
  error?: string | undefined;
  /** Identifiers, e-mails and passwords must not be "corrected" by the browser. */
  verbatim?: boolean;
};

/** A labelled input with its hint and error wired up through `aria-describedby`. */
export function Field(props: FieldProps) {
  const id = `field-${props.name}`;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={props.error ? 'field field-invalid' : 'field'}>
      <label for={id}>
        {props.label}
        {props.optional ? <span class="label-optional"> (optional)</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.type === 'password' ? undefined : props.value}
        autocomplete={props.autocomplete}
        required={props.required ?? false}
        minlength={props.minlength}
        maxlength={props.maxlength}
        spellcheck={props.verbatim ? false : undefined}
        autocapitalize={props.verbatim ? 'none' : undefined}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {props.hint ? (
        <p class="field-hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** A checkbox with its label beside it (the whole label is the click target). */
export function CheckboxField(props: { name: string; label: string; checked?: boolean }) {
  const id = `field-${props.name}`;
  return (
    <div class="field field-checkbox">
      <input id={id} type="checkbox" name={props.name} value="1" checked={props.checked ?? false} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** A one-button POST form: the no-JavaScript way to make an action a button. */
export function PostButton(props: {
  action: string;
  csrfToken: string;
  label: string;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  size?: 'small' | 'normal';
  ariaLabel?: string;
  class?: string;
  /** Where to come back to after the action (a same-origin path). */
  next?: string;
}) {
  const classes = ['btn', `btn-${props.variant ?? 'secondary'}`, props.size === 'small' ? 'btn-small' : ''];
  return (
    <form method="post" action={props.action} class={['inline-form', props.class ?? ''].join(' ').trim()}>
      <CsrfField token={props.csrfToken} />
      {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
      <button type="submit" class={classes.join(' ').trim()} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

export function Badge(props: { children: Child; tone?: 'neutral' | 'accent' | 'success' | 'danger' }) {
  return <span class={`badge badge-${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

/** The role badge colour: `admin` stands out, everything else is neutral. */
export function roleTone(role: string): 'accent' | 'neutral' {
  return role === 'admin' ? 'accent' : 'neutral';
}

export function RoleBadges(props: { roles: readonly string[] }) {
  if (props.roles.length === 0) return <span class="muted">No roles</span>;
  return (
    <ul class="badge-list" role="list" aria-label="Roles">
      {props.roles.map((role) => (
        <li>
          <Badge tone={roleTone(role)}>{role}</Badge>
        </li>
      ))}
    </ul>
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2024-05-01T14:03:09Z` → `1 May 2024, 14:03 UTC`; fixed format, so output never depends on the server locale. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] ?? '';
  return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

export function UtcTime(props: { iso: string }) {
  return <time datetime={props.iso}>{formatUtc(props.iso)}</time>;
}

export { summarizeUserAgent } from '../../../index.ts';
