/** @module What a user of each page would notice: forms, tokens, errors, escaping, and no script anywhere. */
import { describe, expect, it } from 'vitest';
import type { PublicUser } from '../../index.ts';
import {
  AccountPage,
  AdminPage,
  DashboardPage,
  ErrorPage,
  HomePage,
  LoginPage,
  RegisterPage,
  SecondFactorPage,
  SecurityPage,
  VerifyPage,
  type AdminUserRow,
  type SessionView,
} from './pages.tsx';

const CSRF = 'csrf-T0k3n_value';
const XSS = '<script>alert(1)</script>';

const alice: PublicUser = { id: 'u-alice', email: 'alice@example.com', username: 'alice', roles: ['user'], active: true };
const root: PublicUser = { id: 'u-root', email: 'root@example.com', username: null, roles: ['admin', 'user'], active: true };
const evil: PublicUser = { id: 'u-evil', email: `${XSS}@example.com`, username: XSS, roles: [XSS], active: true };

const sessions: SessionView[] = [
  {
    id: 'sess-current',
    createdAt: '2024-05-01T14:03:09.000Z',
    lastSeenAt: '2024-05-02T08:30:00.000Z',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    current: true,
    amr: ['pwd', 'otp'],
    aal: 2,
  },
  {
    id: 'sess/other',
    createdAt: '2024-04-01T09:00:00.000Z',
    lastSeenAt: '2024-04-03T10:15:00.000Z',
    ip: '198.51.100.2',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
    current: false,
    amr: ['pwd', 'device'],
    aal: 1,
  },
];

const adminRows: AdminUserRow[] = [
  { user: root, createdAt: '2024-01-01T00:00:00.000Z', lastLoginAt: '2024-05-01T12:00:00.000Z' },
  { user: alice, createdAt: '2024-02-01T00:00:00.000Z', lastLoginAt: null },
  { user: { ...alice, id: 'u-bob', email: 'bob@example.com', username: 'bob', roles: ['user', 'editor/x'], active: false }, createdAt: '2024-03-01T00:00:00.000Z', lastLoginAt: null },
];
const roles = [
  { name: 'admin', description: 'Everything' },
  { name: 'user', description: 'Signed-up users' },
  { name: 'editor/x', description: 'Edits documents' },
];

async function render(node: unknown): Promise<string> {
  return String(await (node as { toString(): string | Promise<string> }).toString());
}

/** The opening tag of the first element matching a fragment, e.g. `name="email"` → `<input … name="email" …/>`. */
function tagWith(html: string, fragment: string): string {
  const at = html.indexOf(fragment);
  expect(at, `no element with ${fragment}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf('<', at), html.indexOf('>', at) + 1);
}

/** The HTML of the `<form>` posting to `action`. */
function formFor(html: string, action: string): string {
  const at = html.indexOf(`action="${action}"`);
  expect(at, `no form posting to ${action}`).toBeGreaterThan(-1);
  return html.slice(html.lastIndexOf('<form', at), html.indexOf('</form>', at) + 7);
}

function expectPostFormWithToken(html: string, action: string, token = CSRF) {
  const form = formFor(html, action);
  expect(form).toMatch(/^<form method="post"/);
  expect(form).toContain(`<input type="hidden" name="csrf_token" value="${token}"/>`);
}

const allPages = async () => ({
  home: await render(<HomePage user={null} csrfToken={CSRF} flash={null} />),
  homeIn: await render(<HomePage user={evil} csrfToken={CSRF} flash={{ kind: 'info', text: XSS }} />),
  register: await render(<RegisterPage csrfToken={CSRF} flash={null} values={{ email: XSS, username: XSS }} errors={{ email: XSS }} formError={XSS} next={XSS} />),
  login: await render(<LoginPage csrfToken={CSRF} flash={{ kind: 'error', text: XSS }} values={{ email: XSS }} errors={{ password: XSS }} formError={XSS} next="/x" />),
  verify: await render(<VerifyPage user={evil} csrfToken={CSRF} flash={null} errors={{ password: XSS }} formError={XSS} next={XSS} />),
  dashboard: await render(<DashboardPage user={evil} csrfToken={CSRF} flash={{ kind: 'success', text: XSS }} />),
  account: await render(<AccountPage user={evil} csrfToken={CSRF} flash={null} sessions={[{ ...sessions[1]!, ip: XSS, userAgent: XSS, id: XSS }]} />),
  admin: await render(
    <AdminPage user={root} csrfToken={CSRF} flash={null} rows={[{ user: evil, createdAt: XSS, lastLoginAt: XSS }]} roles={[{ name: XSS, description: XSS }]} search={XSS} page={2} pageCount={3} total={41} />,
  ),
  error: await render(<ErrorPage user={null} csrfToken={CSRF} status={404} title={XSS} message={XSS} />),
});

describe('passkey pages', () => {
  const passkeyPages = async () => ({
    login: await render(<LoginPage csrfToken={CSRF} flash={null} values={{ email: '' }} errors={{}} formError={null} next="/account" passkeys />),
    verify: await render(<VerifyPage user={alice} csrfToken={CSRF} flash={null} errors={{}} formError={null} next="/account/security" passkey />),
    secondFactor: await render(
      <SecondFactorPage csrfToken={CSRF} flash={null} method="passkey" canUseRecoveryCode canUsePasskey canUseTotp={false} errors={{}} formError={null} next="/account" rememberDeviceDays={30} />,
    ),
    security: await render(
      <SecurityPage
        user={alice}
        csrfToken={CSRF}
        flash={null}
        totp={false}
        recoveryCodesLeft={10}
        passkeysAvailable
        passkeys={[{ id: 'pk-1', name: XSS, created: '2024-05-01T14:03:09.000Z', lastUsed: null }]}
      />,
    ),
  });

  it('load only the static module script (no inline script, no handler attribute); the buttons wait hidden for it', async () => {
    for (const [name, html] of Object.entries(await passkeyPages())) {
      expect(html, name).toContain('<script type="module" src="/static/passkeys.js"></script>');
      expect(html.match(/<script/g), name).toHaveLength(1);
      expect(html, name).not.toMatch(/\son[a-z]+=/i);
      expect(html, name).not.toContain(XSS);
    }
  });

  it('login: autofill offers passkeys (autocomplete="username webauthn") and a "Sign in with a passkey" button; off without passkeys', async () => {
    const { login } = await passkeyPages();
    expect(tagWith(login, 'name="email"')).toContain('autocomplete="username webauthn"');
    expect(tagWith(login, 'data-passkey-login')).toMatch(/hidden.*data-next="\/account"|data-next="\/account".*hidden/);
    const plain = await render(<LoginPage csrfToken={CSRF} flash={null} values={{ email: '' }} errors={{}} formError={null} next={null} />);
    expect(tagWith(plain, 'name="email"')).toContain('autocomplete="username"');
    expect(plain).not.toContain('data-passkey');
  });

  it('second step with passkeys only: no code field, the passkey button, the remember box and a recovery-code link', async () => {
    const { secondFactor } = await passkeyPages();
    expect(secondFactor).not.toContain('name="code"');
    expect(secondFactor).toContain('data-passkey-second-factor');
    expect(secondFactor).toContain('name="remember_device"');
    expect(secondFactor).toContain('method=recovery_code');
  });

  it('/account/security lists passkeys with rename and remove, and the add form', async () => {
    const { security, verify } = await passkeyPages();
    expect(security).toContain('data-passkey-rename="pk-1"');
    expect(security).toContain('data-passkey-delete="pk-1"');
    expect(security).toContain('data-passkey-register');
    expect(security).toContain('&lt;script&gt;');
    expect(verify).toContain('data-passkey-step-up');
  });
});

describe('every page', () => {
  it('is a full document with the stylesheet, a viewport and no script, inline style or unescaped input', async () => {
    for (const [name, html] of Object.entries(await allPages())) {
      expect(html.startsWith('<!doctype html>'), name).toBe(true);
      expect(html, name).toContain('<link rel="stylesheet" href="/static/style.css"/>');
      expect(html, name).toContain('<meta name="viewport"');
      expect(html.toLowerCase(), name).not.toContain('<script');
      expect(html, name).not.toMatch(/\sstyle=/i);
      expect(html, name).not.toMatch(/\son[a-z]+=/i);
      expect(html, name).not.toContain('javascript:');
    }
  });

  it('escapes what the user typed wherever it is shown', async () => {
    const pages = await allPages();
    expect(pages.register).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(pages.login).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(pages.admin).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(pages.dashboard).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('labels every visible input, select and textarea', async () => {
    for (const [name, html] of Object.entries(await allPages())) {
      for (const [tag] of html.matchAll(/<(?:input|select|textarea)\b[^>]*>/g)) {
        if (/type="hidden"/.test(tag)) continue;
        const id = /\sid="([^"]+)"/.exec(tag)?.[1];
        expect(id, `${name}: ${tag}`).toBeTruthy();
        expect(html, `${name}: ${tag}`).toContain(`for="${id}"`);
      }
    }
  });
});

describe('navigation', () => {
  it('offers Log in and Register to visitors', async () => {
    const html = await render(<HomePage user={null} csrfToken={CSRF} flash={null} />);
    expect(html).toContain('href="/login"');
    expect(html).toContain('href="/register"');
    expect(html).not.toContain('/auth/logout');
    expect(html).toContain('>Portcullis</span>');
  });

  it('shows the account links, the e-mail and a Log out POST form to signed-in users', async () => {
    const html = await render(<DashboardPage user={alice} csrfToken={CSRF} flash={null} />);
    expect(html).toContain('href="/dashboard"');
    expect(html).toContain('href="/account"');
    expect(html).toContain('alice@example.com');
    expectPostFormWithToken(html, '/auth/logout');
    expect(formFor(html, '/auth/logout')).toContain('Log out');
  });

  it('shows the Admin link only to admins', async () => {
    const plain = await render(<DashboardPage user={alice} csrfToken={CSRF} flash={null} />);
    const admin = await render(<DashboardPage user={root} csrfToken={CSRF} flash={null} />);
    expect(plain).not.toContain('href="/admin"');
    expect(admin).toContain('href="/admin"');
  });

  it('renders flash messages with their kind', async () => {
    const ok = await render(<HomePage user={null} csrfToken={CSRF} flash={{ kind: 'success', text: 'Welcome!' }} />);
    const bad = await render(<HomePage user={null} csrfToken={CSRF} flash={{ kind: 'error', text: 'Nope' }} />);
    expect(ok).toMatch(/class="flash flash-success" role="status">.*Welcome!/);
    expect(bad).toMatch(/class="flash flash-error" role="alert">.*Nope/);
  });
});

describe('RegisterPage', () => {
  const page = (errors: Record<string, string> = {}, formError: string | null = null, next: string | null = null) =>
    render(<RegisterPage csrfToken={CSRF} flash={null} values={{ email: 'a@b.co', username: 'ann' }} errors={errors} formError={formError} next={next} />);

  it('posts email, username and password to /auth/register with the CSRF token', async () => {
    const html = await page();
    expectPostFormWithToken(html, '/auth/register');
    expect(tagWith(html, 'name="email"')).toMatch(/type="email".*autocomplete="email"/);
    expect(tagWith(html, 'name="email"')).toContain('value="a@b.co"');
    expect(tagWith(html, 'name="username"')).toContain('value="ann"');
    expect(tagWith(html, 'name="password"')).toMatch(/type="password".*autocomplete="new-password"/);
    expect(html).toContain('At least 8 characters');
    expect(html).not.toContain('name="next"');
    expect(html).not.toContain('role="alert"');
  });

  it('shows field errors next to their fields, and the form error in an alert', async () => {
    const html = await page({ email: 'Enter a valid e-mail.', password: 'Too short.' }, 'Please fix the errors below.', '/account');
    const email = tagWith(html, 'name="email"');
    expect(email).toContain('aria-invalid="true"');
    expect(email).toContain('aria-describedby="field-email-error"');
    expect(html).toContain('<p class="field-error" id="field-email-error">Enter a valid e-mail.</p>');
    const password = tagWith(html, 'name="password"');
    expect(password).toContain('aria-describedby="field-password-hint field-password-error"');
    expect(html).toContain('id="field-password-error">Too short.</p>');
    expect(tagWith(html, 'name="username"')).not.toContain('aria-invalid');
    expect(html).toMatch(/role="alert"[^>]*>.*Please fix the errors below\./);
    expect(formFor(html, '/auth/register')).toContain('<input type="hidden" name="next" value="/account"/>');
  });

  it('never echoes a password back', async () => {
    expect(tagWith(await page(), 'name="password"')).not.toContain('value=');
  });
});

describe('LoginPage', () => {
  it('posts identity, password and remember-me to /auth/login, keeping next', async () => {
    const html = await render(<LoginPage csrfToken={CSRF} flash={null} values={{ email: 'ann' }} errors={{}} formError={null} next="/admin?q=a&page=2" />);
    expectPostFormWithToken(html, '/auth/login');
    expect(html).toContain('>E-mail or username</label>');
    expect(tagWith(html, 'name="email"')).toMatch(/autocomplete="username"/);
    expect(tagWith(html, 'name="email"')).toContain('value="ann"');
    expect(tagWith(html, 'name="password"')).toContain('autocomplete="current-password"');
    expect(tagWith(html, 'name="remember"')).toContain('type="checkbox"');
    expect(html).toContain('Keep me signed in for 30 days');
    expect(formFor(html, '/auth/login')).toContain('name="next" value="/admin?q=a&amp;page=2"');
  });

  it('shows the form error for failed credentials', async () => {
    const html = await render(<LoginPage csrfToken={CSRF} flash={null} values={{ email: 'ann' }} errors={{}} formError="Invalid credentials" next={null} />);
    expect(html).toMatch(/<div class="form-error" role="alert"[^>]*>.*Invalid credentials/);
  });
});

describe('VerifyPage', () => {
  it('asks for the password and posts it to /auth/verify with next', async () => {
    const html = await render(<VerifyPage user={alice} csrfToken={CSRF} flash={null} errors={{ password: 'Wrong password.' }} formError={null} next="/account" />);
    expect(html).toContain('<h1 id="page-heading">Confirm it&#39;s you</h1>');
    expectPostFormWithToken(html, '/auth/verify');
    expect(tagWith(html, 'name="password"')).toContain('aria-invalid="true"');
    expect(html).toContain('Wrong password.');
    expect(formFor(html, '/auth/verify')).toContain('name="next" value="/account"');
  });
});

describe('DashboardPage', () => {
  it('welcomes the user and shows roles as badges', async () => {
    const html = await render(<DashboardPage user={root} csrfToken={CSRF} flash={null} />);
    expect(html).toContain('Welcome, root@example.com');
    expect(html).toMatch(/class="badge[^"]*">admin</);
    expect(html).toMatch(/class="badge[^"]*">user</);
  });
});

describe('AccountPage', () => {
  it('shows the profile and every session, with readable UTC times', async () => {
    const html = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} />);
    expect(html).toContain('alice@example.com');
    expect(html).toContain('Firefox on Linux');
    expect(html).toContain('Safari on iOS');
    expect(html).toContain('203.0.113.7');
    expect(html).toContain('<time datetime="2024-05-01T14:03:09.000Z">1 May 2024, 14:03 UTC</time>');
    expect(html).toMatch(/This device/);
  });

  it('offers Revoke for other sessions only, and a log-out-others form', async () => {
    const html = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} />);
    expectPostFormWithToken(html, '/auth/sessions/sess%2Fother/revoke');
    expect(html).not.toContain('/auth/sessions/sess-current/revoke');
    expectPostFormWithToken(html, '/auth/sessions/revoke-others');
  });

  it('says how each session was signed in and at which level', async () => {
    const html = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} />);
    expect(html).toContain('Signed in with');
    expect(html).toMatch(/Password \+ authenticator app<\/span> <span class="badge badge-success">AAL2</);
    expect(html).toMatch(/Password \+ remembered device<\/span> <span class="badge badge-neutral">AAL1</);
  });

  it('lists remembered devices with a CSRF-protected Forget button, only when the setting is on', async () => {
    const devices = [
      { id: 'dev-1', createdAt: '2024-05-01T14:03:09.000Z', lastUsedAt: null, expiresAt: '2024-05-31T14:03:09.000Z', userAgent: 'Firefox on Linux', current: true },
      { id: 'dev/2', createdAt: '2024-04-01T09:00:00.000Z', lastUsedAt: '2024-04-03T10:15:00.000Z', expiresAt: '2024-05-01T09:00:00.000Z', userAgent: XSS, current: false },
    ];
    const html = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} devices={devices} />);
    expect(html).toContain('Remembered devices');
    expect(html).toContain('This browser');
    expect(html).toContain('Not yet');
    expectPostFormWithToken(html, '/auth/devices/dev-1/forget');
    expectPostFormWithToken(html, '/auth/devices/dev%2F2/forget');
    expect(html).not.toContain(XSS);
    const off = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} devices={null} />);
    expect(off).not.toContain('Remembered devices');
    const none = await render(<AccountPage user={alice} csrfToken={CSRF} flash={null} sessions={sessions} devices={[]} />);
    expect(none).toContain('No remembered devices.');
  });
});

describe('AdminPage', () => {
  const page = () =>
    render(<AdminPage user={root} csrfToken={CSRF} flash={null} rows={adminRows} roles={roles} search="a b" page={2} pageCount={3} total={41} />);

  it('searches with a GET form on /admin', async () => {
    const html = await page();
    const form = formFor(html, '/admin');
    expect(form).toMatch(/^<form method="get"/);
    expect(tagWith(form, 'name="q"')).toContain('value="a b"');
  });

  it('lets roles be revoked and granted with CSRF-protected POST forms', async () => {
    const html = await page();
    expectPostFormWithToken(html, '/admin/users/u-alice/roles/user/revoke');
    expectPostFormWithToken(html, '/admin/users/u-bob/roles/editor%2Fx/revoke');
    const grant = formFor(html, '/admin/users/u-alice/roles');
    expect(grant).toContain(`value="${CSRF}"`);
    expect(grant).toContain('<select');
    expect(grant).toContain('name="role"');
    expect(grant).toContain('<option value="admin"');
    expect(grant).not.toContain('<option value="user"');
  });

  it('deactivates active users, reactivates inactive ones, and never offers deactivating oneself', async () => {
    const html = await page();
    expectPostFormWithToken(html, '/admin/users/u-alice/deactivate');
    expectPostFormWithToken(html, '/admin/users/u-bob/activate');
    expect(html).not.toContain('/admin/users/u-root/deactivate');
    expect(html).toMatch(/>Active</);
    expect(html).toMatch(/>Inactive</);
  });

  it('links the pages, keeping the search', async () => {
    const html = await page();
    expect(html).toContain('href="/admin?q=a%20b&amp;page=1"');
    expect(html).toContain('href="/admin?q=a%20b&amp;page=3"');
    expect(html).toMatch(/aria-current="page"[^>]*>2</);
  });
});

describe('ErrorPage', () => {
  it('shows the status, the message and a way home, and nothing else', async () => {
    const html = await render(<ErrorPage user={null} csrfToken={CSRF} status={403} title="Forbidden" message="You don't have access to this page." />);
    expect(html).toContain('Error 403');
    expect(html).toContain('<h1 id="page-heading">Forbidden</h1>');
    expect(html).toContain('You don&#39;t have access to this page.');
    expect(html).toContain('href="/"');
  });
});
