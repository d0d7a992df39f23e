/**
 * The public `Auth`: grouped by concern, with no raw stores, event emitter or clock on it (a
 * caller that needs them is a missing flow); and `close()`, which flushes and lets go of what
 * createAuth opened — its hold on the shared hashing pool — without touching another Auth in the
 * same process or the caller's stores.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, type Auth, type AuthEvent, type ClientInfo } from '../../src/index.ts';
import { hashPoolLoad, hashPoolOptions } from '../../src/features/passwords/index.ts';
import { openTestStores, type TestStores } from '../../src/testing/test-database.ts';

const CLIENT: ClientInfo = { ip: '10.20.30.40', userAgent: 'auth-object-test', secure: false };
const PASSWORD = 'correct horse battery staple';
/** A pool of its own (pools are shared per threads + niceness): no other Auth of this file's process uses it. */
const HASHING = { threads: 1, niceness: 13 } as const;

describe('the public Auth object', () => {
  let opened: TestStores;
  const make = (): Auth =>
    createAuth({ stores: opened.stores, secretKey: randomBytes(48).toString('base64url'), environment: 'test', publicOrigin: 'http://localhost:3000', password: { hashing: HASHING }, identity: { confirmation: 'off' } });

  beforeAll(async () => {
    opened = await openTestStores();
  });

  afterAll(async () => {
    await opened?.dispose();
  });

  it('is grouped by concern and hands out no stores, emitter or clock', () => {
    const auth = make();
    expect(Object.keys(auth).sort()).toEqual(['access', 'admin', 'close', 'config', 'events', 'flush', 'http', 'identity', 'mfa', 'passkeys', 'passwords', 'ping', 'renderMetrics', 'sessions', 'social', 'tokens']);
    // @ts-expect-error — the stores are the caller's; the Auth never hands them out.
    expect(auth.stores).toBeUndefined();
    // @ts-expect-error — events are emitted by flows only; listeners use auth.events.on.
    expect(auth.emit).toBeUndefined();
    // @ts-expect-error — time is the Auth's own business.
    expect(auth.clock).toBeUndefined();
    // Nor does any group carry them, under any name.
    for (const [name, group] of Object.entries(auth)) {
      if (typeof group !== 'object' || group === null || name === 'config') continue;
      for (const [member, value] of Object.entries(group)) {
        expect(['stores', 'emit', 'clock'], `${name}.${member}`).not.toContain(member);
        expect(value, `${name}.${member}`).not.toBe(opened.stores);
        // One flag, not a method: whether passkeys can work here (PUBLIC_URL names a domain).
        if (name === 'passkeys' && member === 'available') {
          expect(typeof value).toBe('boolean');
          continue;
        }
        expect(typeof value, `${name}.${member}`).toBe('function');
      }
    }
    return auth.close();
  });

  it('events.on adds a listener and returns the function that removes it', async () => {
    const auth = make();
    const seen: AuthEvent['type'][] = [];
    const off = auth.events.on((event) => void seen.push(event.type));
    const email = `listener.${randomBytes(4).toString('hex')}@example.com`;
    const started = await auth.sessions.register({ email, password: PASSWORD }, CLIENT);
    if ('pending' in started) throw new Error('confirmation is off: registration signs in');
    expect(seen).toContain('user.registered');
    off();
    await auth.sessions.logout(started.principal, CLIENT);
    const { records } = await auth.admin.listAudit({ event: 'logout', userId: started.principal.user.id, offset: 0, limit: 5 });
    expect(records).toHaveLength(1);
    expect(seen).not.toContain('logout');
    await auth.close();
  });

  it('close() flushes, is idempotent, and leaves a second Auth in the same process (and the stores) working', async () => {
    const first = make();
    const second = make();
    const email = `close.${randomBytes(4).toString('hex')}@example.com`;
    const registered = await first.sessions.register({ email, password: PASSWORD }, CLIENT);
    if ('pending' in registered) throw new Error('confirmation is off: registration signs in');
    const pool = hashPoolOptions(first.config.password.hashing);
    expect(hashPoolLoad(pool).peakInFlight).toBeGreaterThan(0);

    const closing = first.close();
    expect(first.close()).toBe(closing);
    await closing;
    await first.close();

    // Flushed: the audit row of the registration is stored (read through the other Auth).
    const { records } = await second.admin.listAudit({ event: 'user.registered', userId: registered.principal.user.id, offset: 0, limit: 5 });
    expect(records).toHaveLength(1);
    // The closed Auth refuses to hash; the pool it shared with the second one is still running.
    await expect(first.sessions.login({ email, password: PASSWORD }, CLIENT)).rejects.toThrow('closed');
    expect(hashPoolLoad(pool).peakInFlight).toBeGreaterThan(0);
    const session = await second.sessions.login({ email, password: PASSWORD }, CLIENT);
    expect(session.principal.user.id).toBe(registered.principal.user.id);

    // The last holder's close stops the pool; the caller's stores stay open.
    await second.close();
    expect(hashPoolLoad(pool)).toEqual({ inFlight: 0, peakInFlight: 0, refusedTotal: 0 });
    expect(await opened.stores.ping()).toBe(true);
    expect((await opened.stores.users.findUserById(registered.principal.user.id))?.email).toBe(email);
  });
});
