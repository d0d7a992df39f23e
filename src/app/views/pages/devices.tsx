/**
 * @module The account page's remembered devices (MFA_REMEMBER_DEVICE): browsers that may skip the
 * second factor at sign-in, each with a "Forget" button; and how a session was signed in.
 */
import { Badge, PostButton, UtcTime, formatUtc } from './parts.tsx';

/** A remembered device as listed; times are ISO-8601 strings. Never its mark. */
export type DeviceView = { id: string; createdAt: string; lastUsedAt: string | null; expiresAt: string; userAgent: string; current: boolean };

const METHOD_LABELS: Readonly<Record<string, string>> = {
  pwd: 'Password',
  otp: 'Authenticator app',
  recovery: 'Recovery code',
  passkey: 'Passkey',
  email: 'E-mail code',
  oidc: 'Identity provider',
  device: 'Remembered device',
};

/** "Password + authenticator app" for amr `["pwd","otp"]`. */
export function describeAmr(amr: readonly string[]): string {
  if (amr.length === 0) return 'Unknown';
  return amr.map((method, i) => (i === 0 ? (METHOD_LABELS[method] ?? method) : (METHOD_LABELS[method] ?? method).toLowerCase())).join(' + ');
}

/** How a session was made, and its assurance level as a badge. */
export function SignInMethod(props: { amr: readonly string[]; aal: 1 | 2 }) {
  return (
    <>
      <span>{describeAmr(props.amr)}</span>{' '}
      <Badge tone={props.aal === 2 ? 'success' : 'neutral'}>{props.aal === 2 ? 'AAL2' : 'AAL1'}</Badge>
    </>
  );
}

export function RememberedDevices(props: { devices: readonly DeviceView[]; csrfToken: string }) {
  return (
    <section class="card" aria-labelledby="devices-heading">
      <div class="section-header">
        <div>
          <h2 id="devices-heading">Remembered devices</h2>
          <p class="muted">
            Browsers that skip the second step when you sign in with your password. Forget any you no longer use; it is asked for your second
            factor next time.
          </p>
        </div>
      </div>
      {props.devices.length === 0 ? (
        <p class="empty">No remembered devices.</p>
      ) : (
        <div class="table-wrap">
          <table class="table table-stack">
            <caption class="visually-hidden">Your remembered devices</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Remembered</th>
                <th scope="col">Last used</th>
                <th scope="col">Until</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.devices.map((device) => (
                <tr class={device.current ? 'row-current' : undefined}>
                  <th scope="row" data-label="Device">
                    <span class="device">{device.userAgent}</span>
                    {device.current ? (
                      <>
                        {' '}
                        <Badge tone="success">This browser</Badge>
                      </>
                    ) : null}
                  </th>
                  <td data-label="Remembered">
                    <UtcTime iso={device.createdAt} />
                  </td>
                  <td data-label="Last used">{device.lastUsedAt ? <UtcTime iso={device.lastUsedAt} /> : <span class="muted">Not yet</span>}</td>
                  <td data-label="Until">
                    <UtcTime iso={device.expiresAt} />
                  </td>
                  <td class="cell-actions">
                    <PostButton
                      action={`/auth/devices/${encodeURIComponent(device.id)}/forget`}
                      csrfToken={props.csrfToken}
                      label="Forget"
                      variant="danger"
                      size="small"
                      ariaLabel={`Forget device: ${device.userAgent}, remembered ${formatUtc(device.createdAt)}`}
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
