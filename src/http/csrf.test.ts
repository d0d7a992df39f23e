/** @module Unit tests of the one CSRF decision (http/csrf.ts), rule by rule, driven by `new Request()`. */
import { describe, expect, it } from 'vitest';
import { createAuth } from '../create-auth.ts';
import type { Stores } from '../core/stores.ts';
import type { Principal } from '../auth.ts';
import { enforceCsrf } from './csrf.ts';
import { createRequestState } from './state.ts';
import { defaultViews } from './views.ts';

const ORIGIN = 'https://app.example';
const auth = createAuth({ stores: {} as Stores, secretKey: 'k'.repeat(48), environment: 'test', publicOrigin: ORIGIN });
const core = { auth, views: defaultViews('/auth') };
const client = { ip: '10.0.0.1', userAgent: 'test', secure: true };
const principal = (via: Principal['via']) => ({ via, user: { id: 'u1' }, session: via === 'session' ? { id: 's1' } : null }) as unknown as Principal;
const sessionToken = auth.http.csrfToken({ kind: 'session', sessionId: 's1' });

function stateFor(method: string, headers: Record<string, string> = {}, body?: string) {
  return createRequestState(core, new Request(`${ORIGIN}/x`, { method, headers, ...(body !== undefined ? { body } : {}) }), client);
}

describe('enforceCsrf: ambient (guards)', () => {
  it('a safe method passes without a token', async () => {
    await expect(enforceCsrf(stateFor('GET'), principal('session'))).resolves.toBeUndefined();
  });
  it('a bearer principal passes an unsafe method without a token', async () => {
    await expect(enforceCsrf(stateFor('POST'), principal('token'))).resolves.toBeUndefined();
  });
  it('a session POST needs its token: refused without, accepted in the header or the form', async () => {
    await expect(enforceCsrf(stateFor('DELETE'), principal('session'))).rejects.toMatchObject({ code: 'CSRF_FAILED' });
    await expect(enforceCsrf(stateFor('POST', { 'x-csrf-token': 'wrong' }), principal('session'))).rejects.toMatchObject({ code: 'CSRF_FAILED' });
    await expect(enforceCsrf(stateFor('POST', { 'x-csrf-token': sessionToken }), principal('session'))).resolves.toBeUndefined();
    const form = stateFor('POST', { 'content-type': 'application/x-www-form-urlencoded' }, `csrf_token=${encodeURIComponent(sessionToken)}`);
    await expect(enforceCsrf(form, principal('session'))).resolves.toBeUndefined();
  });
  it('Basic rides an ambient credential too, and a foreign Origin fails even with the token', async () => {
    await expect(enforceCsrf(stateFor('POST'), principal('basic'))).rejects.toMatchObject({ code: 'CSRF_FAILED' });
    await expect(enforceCsrf(stateFor('POST', { 'x-csrf-token': sessionToken, origin: 'https://evil.example' }), principal('session'))).rejects.toMatchObject({ code: 'CSRF_FAILED' });
  });
  it('remembers for whom it passed (a second guard pays nothing), not for another principal', async () => {
    const state = stateFor('POST', { 'x-csrf-token': sessionToken });
    await enforceCsrf(state, principal('session'));
    expect(state.csrfPassedFor).not.toBeUndefined();
    await expect(enforceCsrf(state, principal('basic'))).rejects.toMatchObject({ code: 'CSRF_FAILED' });
  });
});

describe('enforceCsrf: credential (login, register) and cookieless (token endpoints)', () => {
  it('credential JSON: same-origin or no Origin, no token; a foreign Origin or cross-site fetch fails', async () => {
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json' }), null, 'credential')).resolves.toBeUndefined();
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json', origin: ORIGIN }), null, 'credential')).resolves.toBeUndefined();
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json', origin: 'https://evil.example' }), null, 'credential')).rejects.toMatchObject({ code: 'CSRF_FAILED' });
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }), null, 'credential')).rejects.toMatchObject({ code: 'CSRF_FAILED' });
  });
  it('credential form: needs the pre-session token (login CSRF)', async () => {
    const form = stateFor('POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'email=a');
    await expect(enforceCsrf(form, null, 'credential')).rejects.toMatchObject({ code: 'CSRF_FAILED' });
    const pre = auth.http.csrfToken({ kind: 'pre-session', id: 'p'.repeat(43) });
    const ok = stateFor('POST', { 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-portcullis_pre=${'p'.repeat(43)}` }, `csrf_token=${encodeURIComponent(pre)}`);
    await expect(enforceCsrf(ok, null, 'credential')).resolves.toBeUndefined();
  });
  it('cookieless: JSON only (a form is 400) and never cross-site (403)', async () => {
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json' }), null, 'cookieless')).resolves.toBeUndefined();
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/x-www-form-urlencoded' }), null, 'cookieless')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(enforceCsrf(stateFor('POST', { 'content-type': 'application/json', origin: 'https://evil.example' }), null, 'cookieless')).rejects.toMatchObject({ code: 'CSRF_FAILED' });
  });
});
