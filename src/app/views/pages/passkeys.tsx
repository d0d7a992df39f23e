/**
 * @module Passkey parts of the pages: the list on /account/security (add, rename, remove), and the
 * buttons on /login (passwordless, with conditional UI on the e-mail field), the second step and
 * /verify. They are driven by the static script /static/passkeys.js (no inline script: CSP) and
 * stay hidden without it; every page still works by password and code.
 */
import { UtcTime } from './parts.tsx';

/** A passkey as listed: never its public key or credential id. */
export type PasskeyView = { id: string; name: string; created: string; lastUsed: string | null };

/** The script every passkey page loads. */
export const PASSKEY_SCRIPTS: readonly string[] = ['passkeys.js'];

/** Where the script tells a failure (a cancelled prompt, a refusal from the server). */
export function PasskeyError() {
  return <p class="form-error" role="alert" data-passkey-error hidden />;
}

/** A button the script drives: `kind` names the action (`login`, `second-factor`, `step-up`). */
export function PasskeyButton(props: { kind: 'login' | 'second-factor' | 'step-up'; label: string; next: string | null }) {
  const data = { [`data-passkey-${props.kind}`]: '' };
  return (
    <button type="button" class="btn btn-secondary btn-block" hidden {...data} data-next={props.next ?? undefined}>
      {props.label}
    </button>
  );
}

function PasskeyRow(props: { passkey: PasskeyView }) {
  const { passkey } = props;
  return (
    <tr>
      <th scope="row" data-label="Name">
        {passkey.name}
      </th>
      <td data-label="Added">
        <UtcTime iso={passkey.created} />
      </td>
      <td data-label="Last used">{passkey.lastUsed ? <UtcTime iso={passkey.lastUsed} /> : <span class="muted">Not yet</span>}</td>
      <td class="cell-actions">
        <form class="inline-form" data-passkey-rename={passkey.id} hidden aria-label={`Rename passkey ${passkey.name}`}>
          <label class="visually-hidden" for={`passkey-name-${passkey.id}`}>
            New name for {passkey.name}
          </label>
          <input id={`passkey-name-${passkey.id}`} name="name" type="text" maxlength={64} required value={passkey.name} />
          <button type="submit" class="btn btn-secondary btn-small">
            Rename
          </button>
        </form>{' '}
        <button type="button" class="btn btn-danger btn-small" data-passkey-delete={passkey.id} hidden aria-label={`Remove passkey ${passkey.name}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

/** The passkeys card of /account/security. */
export function PasskeySection(props: { passkeys: readonly PasskeyView[]; notice: string | null }) {
  return (
    <section class="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p class="muted">
        A passkey signs you in with your device's screen lock or security key — no password to type, nothing to phish. It also works as the
        second step after your password.
      </p>
      {props.notice ? (
        <p class="flash flash-success" role="status" id="passkey-notice">
          {props.notice}
        </p>
      ) : null}
      <PasskeyError />
      <div class="flash flash-success" role="status" data-passkey-recovery-codes hidden>
        <p>
          <strong>Your recovery codes.</strong> Each signs you in once if you lose your passkeys. Save them somewhere safe now — they will not be
          shown again.
        </p>
        <ol class="recovery-codes" />
      </div>
      {props.passkeys.length === 0 ? (
        <p class="empty" id="passkeys-empty">
          No passkeys yet.
        </p>
      ) : (
        <div class="table-wrap">
          <table class="table table-stack" id="passkeys">
            <caption class="visually-hidden">Your passkeys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.passkeys.map((passkey) => (
                <PasskeyRow passkey={passkey} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="form form-inline" data-passkey-register hidden aria-label="Add a passkey">
        <div class="field">
          <label for="passkey-name">Name</label>
          <input id="passkey-name" name="name" type="text" maxlength={64} placeholder="e.g. Work laptop" />
        </div>
        <button type="submit" class="btn btn-primary">
          Add a passkey
        </button>
      </form>
      <noscript>
        <p class="muted">Adding a passkey needs JavaScript in this browser.</p>
      </noscript>
    </section>
  );
}
