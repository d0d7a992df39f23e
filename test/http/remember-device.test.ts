/**
 * @module HTTP: remembered devices (MFA_REMEMBER_DEVICE, docs/mfa.md). After a second factor with
 * `remember_device`, the browser gets a mark; at its user's next sign-in, the right password plus a
 * valid mark skips the second factor — with an AAL1 session (`pwd,device`) that a level-2 step-up
 * still refuses. Off by default; expired, forgotten, forged, another user's marks skip nothing; a
 * password change, an admin reset and "sign out everywhere" forget every mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, createTestApp, type Client, type PublicUserBody, type TestApp, DAY } from './harness.ts';
import { enrolTotp, pendingSignIn, totpCode, type EnrolledTotp } from './mfa-helpers.ts';
import { newAuthenticator, registerPasskey, secondFactorOptions } from './passkey-helpers.ts';

const DEVICE_COOKIE = 'portcullis_device';
const THIRTY_DAYS = 30 * DAY;

interface SessionRow {
  id: string;
  current: boolean;
  amr: string[];
  aal: number;
}
interface DeviceRow {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  user_agent: string;
  current: boolean;
}

interface Owner {
  readonly user: PublicUserBody;
  readonly totp: EnrolledTotp;
  /** The owner's first browser (enrolled there). */
  readonly browser: Client;
}

async function newOwner(t: TestApp): Promise<Owner> {
  const browser = t.client();
  const user = await browser.signUp();
  const totp = await enrolTotp(t, browser);
  return { user, totp, browser };
}

const OMIT = Symbol('no remember_device field');

/** Password, then the TOTP code with `remember_device` (OMIT: without the field): the answer to the second step. */
async function signInRemembering(t: TestApp, owner: Owner, client: Client, remember: unknown = true) {
  const first = await client.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: owner.user.email, password: PASSWORD } });
  expect(first.body.mfa_required).toBe(true);
  const second = await client.json<{ user?: PublicUserBody; csrf_token?: string }>('/auth/mfa/verify', {
    json: { method: 'totp', code: totpCode(t, owner.totp.secret), ...(remember === OMIT ? {} : { remember_device: remember }) },
  });
  t.clock.advanceMs(30_000);
  if (typeof second.body.csrf_token === 'string') client.csrfToken = second.body.csrf_token;
  return second;
}

/** A password sign-in from `client`: `session` when it skipped the second factor, `second-factor` when asked for it. */
async function passwordStep(owner: Pick<Owner, 'user'>, client: Client): Promise<'session' | 'second-factor' | number> {
  const { res, body } = await client.login({ email: owner.user.email });
  if (res.status !== 200) return res.status;
  return (body as { mfa_required?: boolean }).mfa_required ? 'second-factor' : 'session';
}

function deviceSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((line) => /^(__Host-)?portcullis_device=/.test(line));
}

describe('remembered devices: off by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('remember_device is ignored: no cookie, nothing stored, the next sign-in asks for the factor again', async () => {
    const owner = await newOwner(t);
    const client = t.client();
    const second = await signInRemembering(t, owner, client);
    expect(second.res.status).toBe(200);
    expect(deviceSetCookie(second.res)).toBeUndefined();
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    const listed = await client.json<{ devices: DeviceRow[] }>('/auth/sessions');
    expect(listed.body.devices).toEqual([]);
    await client.logout();
    expect(await passwordStep(owner, client)).toBe('second-factor');
    // The second-factor page offers no "don't ask again" box.
    const page = await (await client.send('/login/second-factor', { browser: true })).text();
    expect(page).toContain('name="code"');
    expect(page).not.toContain('remember_device');
  });

  it('a device cookie planted while the setting is off is not even read', async () => {
    const on = await createTestApp({ mfa: { rememberDeviceMs: THIRTY_DAYS } });
    try {
      const owner = await newOwner(on);
      const browser = on.client();
      await signInRemembering(on, owner, browser);
      const mark = browser.jar.get(DEVICE_COOKIE);
      expect(mark).toBeDefined();
      // The same mark at the off app (another key, and the setting off): the factor is asked.
      const elsewhere = t.client();
      elsewhere.jar.set(DEVICE_COOKIE, mark ?? '');
      const other = await newOwner(t);
      expect(await passwordStep(other, elsewhere)).toBe('second-factor');
    } finally {
      await on.dispose();
    }
  });
});

describe('remembered devices: MFA_REMEMBER_DEVICE on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ mfa: { rememberDeviceMs: THIRTY_DAYS } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('remember → the cookie (HttpOnly, SameSite=Strict, Path=/, 30 days); the next sign-in skips the factor with an AAL1 pwd,device session', async () => {
    const owner = await newOwner(t);
    const client = t.client();
    const second = await signInRemembering(t, owner, client);
    expect(second.res.status).toBe(200);
    const cookie = deviceSetCookie(second.res) ?? '';
    expect(cookie).toMatch(/^portcullis_device=[\w-]{43}\.[\w-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).toMatch(new RegExp(`; Max-Age=${THIRTY_DAYS / 1000}(;|$)`, 'i'));
    expect(cookie).not.toMatch(/; Secure/i);
    // Stored: only the hash, with the user agent's summary.
    const [stored] = await t.stores.devices.listDevicesOfUser(owner.user.id);
    const mark = client.jar.get(DEVICE_COOKIE) ?? '';
    expect(stored?.tokenHash).not.toBe(mark);
    expect(mark).not.toContain(stored?.tokenHash ?? '-');
    expect(stored?.userAgent).toBe('Linux');

    // The session made by the code is AAL2; listed with the device, which is "this browser".
    const listed = await client.json<{ sessions: SessionRow[]; devices: DeviceRow[] }>('/auth/sessions');
    expect(listed.body.sessions.find((s) => s.current)).toMatchObject({ amr: ['pwd', 'otp'], aal: 2 });
    expect(listed.body.devices).toEqual([
      { id: stored?.id, created_at: expect.any(String), last_used_at: null, expires_at: new Date((stored?.expiresAtMs ?? 0)).toISOString(), user_agent: 'Linux', current: true },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(mark.split('.')[0] ?? '-');

    await client.logout();
    expect(await passwordStep(owner, client)).toBe('session');
    const after = await client.json<{ sessions: SessionRow[]; devices: DeviceRow[] }>('/auth/sessions');
    expect(after.body.sessions.find((s) => s.current)).toMatchObject({ amr: ['pwd', 'device'], aal: 1 });
    expect(after.body.devices[0]?.last_used_at).toBe(new Date(t.clock.nowMs()).toISOString());

    // Audited (remembered, used) with the device's public id — never the mark or its hash.
    const { records } = await t.auth.admin.listAudit({ userId: owner.user.id, offset: 0, limit: 100 });
    const events = records.map((r) => r.event);
    expect(events).toContain('mfa.device_remembered');
    expect(events).toContain('mfa.device_used');
    const trail = JSON.stringify(records);
    expect(trail).toContain(stored?.id ?? '-');
    for (const secret of [mark, mark.split('.')[0] ?? '-', mark.split('.')[1] ?? '-', stored?.tokenHash ?? '-']) expect(trail).not.toContain(secret);

    // Level 2 is not claimed: taking the factor away still asks for the factor itself.
    const remove = await client.json('/auth/mfa/totp', { method: 'DELETE', csrf: true });
    expect(remove.res.status).toBe(401);
    expect(remove.body.code).toBe('REAUTH_REQUIRED');
    expect((await t.stores.mfa.findTotp(owner.user.id))?.confirmedAtMs).not.toBeNull();
  });

  it('without remember_device (or with it false), no cookie and no device', async () => {
    const owner = await newOwner(t);
    for (const remember of [OMIT, false, null, 'off', '', 'yes please', ['on'], { on: true }]) {
      const client = t.client();
      const second = await signInRemembering(t, owner, client, remember);
      expect(second.res.status).toBe(200);
      expect(deviceSetCookie(second.res)).toBeUndefined();
    }
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
  });

  it('the form post remembers too (checkbox "on")', async () => {
    const owner = await newOwner(t);
    const browser = t.client();
    const csrf = await browser.pageCsrf('/login');
    const login = await browser.postForm('/auth/login', { email: owner.user.email, password: PASSWORD, csrf_token: csrf });
    expect(login.status).toBe(303);
    const page = await browser.send(login.headers.get('location') ?? '', { browser: true });
    const html = await page.text();
    expect(html).toContain('name="remember_device"');
    const verify = await browser.postForm('/auth/mfa/verify', { method: 'totp', code: totpCode(t, owner.totp.secret), remember_device: 'on', csrf_token: /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? '' });
    expect(verify.status).toBe(303);
    expect(deviceSetCookie(verify)).toBeDefined();
    t.clock.advanceMs(30_000);
    await browser.logout();
    expect(await passwordStep(owner, browser)).toBe('session');
  });

  it('the account page lists the devices with their sign-in method; "Forget" forgets (fresh, CSRF-checked)', async () => {
    const owner = await newOwner(t);
    const browser = t.client();
    await signInRemembering(t, owner, browser);
    const account = await (await browser.send('/account', { browser: true })).text();
    expect(account).toContain('Remembered devices');
    expect(account).toContain('This browser');
    expect(account).toMatch(/Password \+ authenticator app<\/span> <span class="badge badge-success">AAL2</);
    const [device] = await t.stores.devices.listDevicesOfUser(owner.user.id);
    const action = `/auth/devices/${device?.id}/forget`;
    expect(account).toContain(`action="${action}"`);
    // Without the token: refused, nothing forgotten.
    const forged = await browser.postForm(action, { next: '/account', csrf_token: 'nope' });
    expect(forged.status).toBe(403);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(1);
    const forget = await browser.postForm(action, { next: '/account' }, { csrfFrom: '/account' });
    expect(forget.status).toBe(303);
    expect(forget.headers.get('location')).toBe('/account');
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    const after = await (await browser.send('/account', { browser: true })).text();
    expect(after).toContain('No remembered devices.');
    expect(after).toContain('The device was forgotten');
  });

  it('an expired mark skips nothing', async () => {
    const owner = await newOwner(t);
    const client = t.client();
    await signInRemembering(t, owner, client);
    await client.logout();
    t.clock.advanceMs(THIRTY_DAYS + 1);
    expect(await passwordStep(owner, client)).toBe('second-factor');
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(1);
    expect((await t.stores.devices.listDevicesOfUser(owner.user.id))[0]?.lastUsedAtMs).toBeNull();
  });

  it('a forgotten (revoked) mark skips nothing; forgetting is fresh, and another user\'s device is 404', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    const [device] = await t.stores.devices.listDevicesOfUser(owner.user.id);

    // Someone else cannot forget it (404, as for an unknown id), and it still works.
    const stranger = t.client();
    await stranger.signUp();
    const foreign = await stranger.json(`/auth/devices/${device?.id}`, { method: 'DELETE', csrf: true });
    expect(foreign.res.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(1);
    expect((await stranger.json('/auth/devices/not-an-id', { method: 'DELETE', csrf: true })).res.status).toBe(404);

    // A stale login must re-authenticate first.
    t.clock.advanceMs(11 * 60_000);
    const stale = await owner.browser.json(`/auth/devices/${device?.id}`, { method: 'DELETE', csrf: true });
    expect(stale.res.status).toBe(401);
    expect(stale.body.code).toBe('REAUTH_REQUIRED');
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(1);

    const fresh = await signInRemembering(t, owner, t.client(), false);
    expect(fresh.res.status).toBe(200);
    const manager = t.client();
    await signInRemembering(t, owner, manager, false);
    const forgotten = await manager.send(`/auth/devices/${device?.id}`, { method: 'DELETE', csrf: true });
    expect(forgotten.status).toBe(204);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    await laptop.logout();
    expect(await passwordStep(owner, laptop)).toBe('second-factor');
  });

  it("user A's mark at user B's sign-in skips nothing, and A's mark still works for A", async () => {
    const a = await newOwner(t);
    const b = await newOwner(t);
    const shared = t.client();
    await signInRemembering(t, a, shared);
    await shared.logout();
    expect(shared.jar.has(DEVICE_COOKIE)).toBe(true);
    expect(await passwordStep(b, shared)).toBe('second-factor');
    // The same mark carried to another browser for B: still nothing.
    const thief = shared.clone();
    thief.jar.delete('portcullis_mfa');
    expect(await passwordStep(b, thief)).toBe('second-factor');
    expect(await t.stores.devices.listDevicesOfUser(b.user.id)).toEqual([]);
    const fresh = t.client();
    fresh.jar.set(DEVICE_COOKIE, shared.jar.get(DEVICE_COOKIE) ?? '');
    expect(await passwordStep(a, fresh)).toBe('session');
  });

  it('a forged or tampered mark skips nothing and answers like no mark (never a 500)', async () => {
    const owner = await newOwner(t);
    const client = t.client();
    await signInRemembering(t, owner, client);
    const mark = client.jar.get(DEVICE_COOKIE) ?? '';
    const [secret = '', mac = ''] = mark.split('.');
    const flip = (text: string) => `${text.slice(0, -2)}${text.endsWith('AA') ? 'BB' : 'AA'}`;
    const forgeries = [`${flip(secret)}.${mac}`, `${secret}.${flip(mac)}`, secret, `${mark}.${mac}`, 'x'.repeat(4000), '%00', `${'A'.repeat(43)}.${'A'.repeat(43)}`];
    for (const forged of forgeries) {
      const browser = t.client();
      browser.jar.set(DEVICE_COOKIE, forged);
      expect(await passwordStep(owner, browser), forged.slice(0, 20)).toBe('second-factor');
    }
    expect((await t.stores.devices.listDevicesOfUser(owner.user.id))[0]?.lastUsedAtMs).toBeNull();
  });

  it('a password change forgets every device: the old mark skips nothing, even with the new password', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    const phone = t.client();
    await signInRemembering(t, owner, phone);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(2);
    const changed = await phone.json('/auth/change-password', { json: { password: PASSWORD, new_password: 'a brand new passphrase 42' }, csrf: true });
    expect(changed.res.status).toBe(200);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    const { res, body } = await laptop.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: owner.user.email, password: 'a brand new passphrase 42' } });
    expect(res.status).toBe(200);
    expect(body.mfa_required).toBe(true);
  });

  it("an admin reset of the user's second factors forgets every device; after a new enrolment the old mark still skips nothing", async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    await laptop.logout();
    const admin = await t.stores.users.findUserById(owner.user.id);
    if (!admin) throw new Error('owner not stored');
    // The library door (the admin page and CLI go through it).
    const actor = { user: admin, authorization: { roles: ['admin'], permissions: [] }, via: 'session' as const, session: null };
    await t.auth.admin.resetSecondFactors(actor, owner.user.id, { ip: '127.0.0.1', userAgent: 'test', secure: false });
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    // Signed in again (no factor now), enrols again.
    const again = t.client();
    expect(await passwordStep(owner, again)).toBe('session');
    const totp = await enrolTotp(t, again);
    expect(await passwordStep({ user: owner.user }, laptop)).toBe('second-factor');
    expect(totp.recoveryCodes).toHaveLength(10);
  });

  it('removing the last second factor forgets every device', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    // The browser that just proved the code is fresh at level 2.
    const removed = await laptop.send('/auth/mfa/totp', { method: 'DELETE', csrf: true });
    expect(removed.status).toBe(204);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
  });

  it('"sign out everywhere else" forgets every device, this browser\'s too', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    const phone = t.client();
    await signInRemembering(t, owner, phone);
    const revoked = await laptop.json<{ revoked: number }>('/auth/sessions/revoke-others', { method: 'POST', json: {}, csrf: true });
    expect(revoked.res.status).toBe(200);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    await phone.logout();
    expect(await passwordStep(owner, phone)).toBe('second-factor');
    const listed = await laptop.json<{ devices: DeviceRow[] }>('/auth/sessions');
    expect(listed.body.devices).toEqual([]);
  });

  it('remembering again from the same browser replaces its mark (one device per browser and user)', async () => {
    const owner = await newOwner(t);
    const client = t.client();
    await signInRemembering(t, owner, client);
    const first = client.jar.get(DEVICE_COOKIE);
    await client.logout();
    // A step-up-free second sign-in with the code again (the mark is there, so sign in elsewhere first).
    const pending = await pendingSignIn(t, owner.user.email);
    pending.jar.set(DEVICE_COOKIE, first ?? '');
    const second = await pending.json('/auth/mfa/verify', { json: { method: 'totp', code: totpCode(t, owner.totp.secret), remember_device: true } });
    expect(second.res.status).toBe(200);
    const devices = await t.stores.devices.listDevicesOfUser(owner.user.id);
    expect(devices).toHaveLength(1);
    expect(pending.jar.get(DEVICE_COOKIE)).not.toBe(first);
  });

  it('a passkey as the second factor remembers too; removing the last passkey forgets every device', async () => {
    const owner = t.client();
    const user = await owner.signUp();
    const key = newAuthenticator();
    const registered = await registerPasskey(owner, key, 'Laptop');
    const browser = t.client();
    const first = await browser.json<{ mfa_required?: boolean; methods?: string[] }>('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(first.body.methods).toContain('passkey');
    const options = await secondFactorOptions(browser);
    const verify = await browser.json('/auth/mfa/verify', { json: { method: 'passkey', response: key.get(options.body), remember_device: true } });
    expect(verify.res.status).toBe(200);
    expect(deviceSetCookie(verify.res)).toBeDefined();
    const listed = await browser.json<{ sessions: SessionRow[] }>('/auth/sessions');
    expect(listed.body.sessions.find((s) => s.current)).toMatchObject({ amr: ['pwd', 'passkey'], aal: 2 });
    await browser.logout();
    expect(await passwordStep({ user }, browser)).toBe('session');

    // The owner's session just registered the passkey (AAL2, fresh): it removes it, the only factor.
    const removed = await owner.send(`/auth/passkeys/${registered.passkey.id}`, { method: 'DELETE', csrf: true });
    expect(removed.status).toBe(204);
    expect(await t.stores.devices.listDevicesOfUser(user.id)).toEqual([]);
  });

  it('MFA_REQUIRED_ROLES: a holder of a required role is always asked for the factor', async () => {
    const strict = await createTestApp({ mfa: { rememberDeviceMs: THIRTY_DAYS, requiredRoles: ['auditor'] } });
    try {
      await strict.stores.roles.upsertRole({ name: 'auditor', description: 'reads the audit log', permissions: [] });
      const owner = await newOwner(strict);
      const client = strict.client();
      await signInRemembering(strict, owner, client);
      await client.logout();
      expect(await passwordStep(owner, client)).toBe('session');
      await strict.stores.roles.grantRole(owner.user.id, 'auditor');
      await client.logout();
      expect(await passwordStep(owner, client)).toBe('second-factor');
    } finally {
      await strict.dispose();
    }
  });

  it('over HTTPS the cookie is __Host- and Secure', async () => {
    const owner = await newOwner(t);
    const client = t.client({ origin: 'https://localhost:3000' });
    const second = await signInRemembering(t, owner, client);
    expect(deviceSetCookie(second.res)).toMatch(/^__Host-portcullis_device=[^;]+;.*; Secure/i);
    await client.logout();
    expect(await passwordStep(owner, client)).toBe('session');
  });
});
