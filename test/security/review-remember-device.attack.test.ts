/**
 * @module Independent review (session 7) — remembered devices (MFA_REMEMBER_DEVICE): the promise
 * "removing the last second factor forgets every device; a later enrolment does not bring old marks
 * back" (docs/mfa.md) when the last two factors are removed at once, and a mark across an admin
 * deactivation and reactivation. These pass (no bug found here): they cover what the
 * feature's own tests do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, PASSWORD, createTestApp, type Client, type PublicUserBody, type TestApp } from '../http/harness.ts';
import { enrolTotp, totpCode, type EnrolledTotp } from '../http/mfa-helpers.ts';
import { newAuthenticator, registerPasskey } from '../http/passkey-helpers.ts';

interface Owner {
  readonly user: PublicUserBody;
  readonly totp: EnrolledTotp;
  readonly browser: Client;
}

async function newOwner(t: TestApp): Promise<Owner> {
  const browser = t.client();
  const user = await browser.signUp();
  const totp = await enrolTotp(t, browser);
  return { user, totp, browser };
}

/** Password, then the TOTP code with remember_device: the browser now holds a mark. */
async function signInRemembering(t: TestApp, owner: Owner, client: Client): Promise<void> {
  const first = await client.json<{ mfa_required?: boolean }>('/auth/login', { json: { email: owner.user.email, password: PASSWORD } });
  expect(first.body.mfa_required).toBe(true);
  const second = await client.json<{ csrf_token?: string }>('/auth/mfa/verify', {
    json: { method: 'totp', code: totpCode(t, owner.totp.secret), remember_device: true },
  });
  expect(second.res.status).toBe(200);
  expect(client.jar.has('portcullis_device')).toBe(true);
  if (typeof second.body.csrf_token === 'string') client.csrfToken = second.body.csrf_token;
  t.clock.advanceMs(30_000);
}

/** A password sign-in from `client`: `session` when it skipped the second factor, `second-factor` when asked. */
async function passwordStep(email: string, client: Client): Promise<'session' | 'second-factor' | number> {
  const { res, body } = await client.login({ email });
  if (res.status !== 200) return res.status;
  return (body as { mfa_required?: boolean }).mfa_required ? 'second-factor' : 'session';
}

const system = { ip: '127.0.0.1', userAgent: 'review', secure: false } as const;

describe('review: remembered devices', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ mfa: { rememberDeviceMs: 30 * DAY } });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('removing TOTP, then the last passkey, one after the other, forgets every device (passes: the passkey path is covered nowhere else)', async () => {
    const owner = await newOwner(t);
    const { passkey } = await registerPasskey(owner.browser, newAuthenticator());
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    expect((await laptop.send('/auth/mfa/totp', { method: 'DELETE', csrf: true })).status).toBe(204);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toHaveLength(1);
    expect((await laptop.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf: true })).status).toBe(204);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
  });

  // Passes: each removal deletes its factor before dropCodesWithoutFactor checks, so whichever
  // check runs last sees both gone and forgets the devices and codes. Covered nowhere else (the
  // race between the two kinds of factor); it guards that order against a refactor.
  it('removing TOTP and the last passkey at once forgets every device; after a new enrolment the old mark skips nothing', async () => {
    const owner = await newOwner(t);
    const { passkey } = await registerPasskey(owner.browser, newAuthenticator());
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    const csrf = await laptop.fetchCsrf();
    const removed = await Promise.all([
      laptop.send('/auth/mfa/totp', { method: 'DELETE', csrf }),
      laptop.send(`/auth/passkeys/${passkey.id}`, { method: 'DELETE', csrf }),
    ]);
    expect(removed.map((r) => r.status)).toEqual([204, 204]);
    const devicesLeft = await t.stores.devices.listDevicesOfUser(owner.user.id);
    const codesLeft = await t.stores.mfa.countRecoveryCodes(owner.user.id);
    // No factor now: a new enrolment from another browser.
    const again = t.client();
    expect(await passwordStep(owner.user.email, again)).toBe('session');
    await enrolTotp(t, again);
    const oldMark = await passwordStep(owner.user.email, laptop);
    expect({ devicesLeft: devicesLeft.length, codesLeft, oldMark }).toEqual({ devicesLeft: 0, codesLeft: 0, oldMark: 'second-factor' });
  });

  it('an admin deactivation forgets every device: after reactivation the old mark skips nothing (passes: not covered elsewhere)', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    await laptop.logout();
    const admin = await t.stores.users.findUserById(owner.user.id);
    if (!admin) throw new Error('owner not stored');
    const actor = {
      user: { ...admin, id: 'review-admin' },
      authorization: { roles: ['admin'], permissions: [] },
      via: 'session' as const,
      session: null,
    };
    await t.auth.admin.setUserActive(actor, owner.user.id, false, system);
    expect(await passwordStep(owner.user.email, laptop)).toBe(401);
    await t.auth.admin.setUserActive(actor, owner.user.id, true, system);
    expect(await t.stores.devices.listDevicesOfUser(owner.user.id)).toEqual([]);
    expect(await passwordStep(owner.user.email, laptop)).toBe('second-factor');
  });

  it('the mark is never in a response body or an audit record (passes)', async () => {
    const owner = await newOwner(t);
    const laptop = t.client();
    await signInRemembering(t, owner, laptop);
    const mark = laptop.jar.get('portcullis_device') ?? '';
    const [secret = '-'] = mark.split('.');
    await laptop.logout();
    const res = await laptop.send('/auth/login', { json: { email: owner.user.email, password: PASSWORD } });
    const text = await res.text();
    expect(text).not.toContain(secret);
    const sessions = await laptop.send('/auth/sessions');
    expect(await sessions.text()).not.toContain(secret);
    await t.auth.flush();
    const { records } = await t.stores.audit.listAuditRecords({ userId: owner.user.id, offset: 0, limit: 500 });
    expect(JSON.stringify(records)).not.toContain(secret);
  });
});
