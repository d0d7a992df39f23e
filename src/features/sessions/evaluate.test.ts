import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../core/crypto/index.ts';
import type { ClientInfo } from '../../core/request-context.ts';
import type { SessionRecord, UserRecord } from '../../core/stores.ts';
import { evaluateSession, sessionFingerprint } from './evaluate.ts';
import { issueSession, type SessionPolicy } from './issue.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const T0 = Date.UTC(2026, 0, 1);

const policy = (protection: SessionPolicy['protection'] = 'basic'): SessionPolicy => ({
  idleTimeoutMs: 2 * HOUR_MS,
  maxAgeMs: 24 * HOUR_MS,
  rememberMeMaxAgeMs: 30 * 24 * HOUR_MS,
  protection,
  touchIntervalMs: MINUTE_MS,
});

const CLIENT: ClientInfo = { ip: '203.0.113.5', userAgent: 'Mozilla/5.0 (X11; Linux) Firefox/140', secure: true };
const random: RandomSource = (n) => new Uint8Array(n).fill(7);

const USER: UserRecord = {
  id: 'user-1',
  email: 'ann@example.com',
  emailKey: 'ann@example.com',
  username: null,
  usernameKey: null,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
  active: true,
  uniquifier: 'uniq-1',
  createdAtMs: T0,
  updatedAtMs: T0,
  lastLoginAtMs: T0,
  emailConfirmedAtMs: null,
};

function session(overrides: Partial<SessionRecord> = {}, remember = false): SessionRecord {
  const { record } = issueSession({ userId: USER.id, uniquifier: USER.uniquifier, remember, client: CLIENT, nowMs: T0, policy: policy(), random });
  return { ...record, ...overrides };
}

const client = (overrides: Partial<ClientInfo> = {}) => ({ ...CLIENT, ...overrides });

describe('evaluateSession: lifetimes', () => {
  it('is alive right after issue', () => {
    expect(evaluateSession(session(), USER, CLIENT, T0, policy())).toEqual({ alive: true, touch: false, freshnessLost: false });
  });

  it('dies at the absolute expiry, exactly', () => {
    const s = session({ lastSeenAtMs: T0 + 24 * HOUR_MS - MINUTE_MS });
    expect(evaluateSession(s, USER, CLIENT, s.expiresAtMs - 1, policy())).toMatchObject({ alive: true });
    expect(evaluateSession(s, USER, CLIENT, s.expiresAtMs, policy())).toEqual({ alive: false, reason: 'expired' });
    expect(evaluateSession(s, USER, CLIENT, s.expiresAtMs + 1, policy())).toEqual({ alive: false, reason: 'expired' });
  });

  it('dies at the absolute expiry even while active', () => {
    const s = session({ lastSeenAtMs: T0 + 24 * HOUR_MS - 1 });
    expect(evaluateSession(s, USER, CLIENT, T0 + 24 * HOUR_MS, policy())).toEqual({ alive: false, reason: 'expired' });
  });

  it('a remembered session outlives the normal max age but not its own', () => {
    const s = session({}, true);
    const at = T0 + 25 * HOUR_MS;
    const active = { ...s, lastSeenAtMs: at - MINUTE_MS };
    expect(evaluateSession(active, USER, CLIENT, at, policy())).toMatchObject({ alive: true });
    const end = T0 + 30 * 24 * HOUR_MS;
    expect(evaluateSession({ ...s, lastSeenAtMs: end - MINUTE_MS }, USER, CLIENT, end, policy())).toEqual({ alive: false, reason: 'expired' });
  });

  it('dies when idle for exactly the idle timeout, not a millisecond before', () => {
    const s = session();
    expect(evaluateSession(s, USER, CLIENT, T0 + 2 * HOUR_MS - 1, policy())).toMatchObject({ alive: true, touch: true });
    expect(evaluateSession(s, USER, CLIENT, T0 + 2 * HOUR_MS, policy())).toEqual({ alive: false, reason: 'idle' });
  });

  it('idle is measured from last seen, not creation', () => {
    const s = session({ lastSeenAtMs: T0 + 5 * HOUR_MS });
    expect(evaluateSession(s, USER, CLIENT, T0 + 7 * HOUR_MS - 1, policy())).toMatchObject({ alive: true });
    expect(evaluateSession(s, USER, CLIENT, T0 + 7 * HOUR_MS, policy())).toEqual({ alive: false, reason: 'idle' });
  });
});

describe('evaluateSession: the user', () => {
  it('dies when the user uniquifier changed (password change, revoke all)', () => {
    expect(evaluateSession(session(), { ...USER, uniquifier: 'uniq-2' }, CLIENT, T0 + 1, policy())).toEqual({ alive: false, reason: 'uniquifier' });
  });

  it('dies when the user is inactive', () => {
    expect(evaluateSession(session(), { ...USER, active: false }, CLIENT, T0 + 1, policy())).toEqual({ alive: false, reason: 'inactive' });
  });
});

describe('evaluateSession: session protection', () => {
  const newAgent = client({ userAgent: 'curl/8.0' });
  const otherNetwork = client({ ip: '203.0.114.5' });
  const sameNetwork = client({ ip: '203.0.113.200' });

  it('off: a changed user agent or network is ignored', () => {
    for (const c of [newAgent, otherNetwork]) {
      expect(evaluateSession(session(), USER, c, T0 + 1, policy('off'))).toEqual({ alive: true, touch: false, freshnessLost: false });
    }
  });

  it('basic: a changed user agent keeps the session but loses freshness', () => {
    expect(evaluateSession(session(), USER, newAgent, T0 + 1, policy('basic'))).toEqual({ alive: true, touch: false, freshnessLost: true });
  });

  it('basic: a changed /24 network loses freshness', () => {
    expect(evaluateSession(session(), USER, otherNetwork, T0 + 1, policy('basic'))).toEqual({ alive: true, touch: false, freshnessLost: true });
  });

  it('basic: nothing to lose when the session is already not fresh', () => {
    expect(evaluateSession(session({ freshAtMs: 0 }), USER, newAgent, T0 + 1, policy('basic'))).toEqual({ alive: true, touch: false, freshnessLost: false });
  });

  it('strong: a changed user agent kills the session', () => {
    expect(evaluateSession(session(), USER, newAgent, T0 + 1, policy('strong'))).toEqual({ alive: false, reason: 'fingerprint' });
  });

  it('strong: a changed /24 network kills the session', () => {
    expect(evaluateSession(session(), USER, otherNetwork, T0 + 1, policy('strong'))).toEqual({ alive: false, reason: 'fingerprint' });
  });

  it.each(['off', 'basic', 'strong'] as const)('%s: another address in the same /24 keeps the session alive and fresh', (mode) => {
    expect(evaluateSession(session(), USER, sameNetwork, T0 + 1, policy(mode))).toEqual({ alive: true, touch: false, freshnessLost: false });
  });

  it('strong: the same IPv6 /64 survives, another /64 does not', () => {
    const v6 = session({ ip: '2001:db8:1:2::10', fingerprint: sessionFingerprint({ ip: '2001:db8:1:2::10', userAgent: CLIENT.userAgent }) });
    expect(evaluateSession(v6, USER, client({ ip: '2001:db8:1:2:ffff::1' }), T0 + 1, policy('strong'))).toMatchObject({ alive: true });
    expect(evaluateSession(v6, USER, client({ ip: '2001:db8:1:3::10' }), T0 + 1, policy('strong'))).toEqual({ alive: false, reason: 'fingerprint' });
  });

  it('the fingerprint binds user agent and network, not the exact address', () => {
    const base = sessionFingerprint({ ip: '198.51.100.1', userAgent: 'UA' });
    expect(sessionFingerprint({ ip: '198.51.100.254', userAgent: 'UA' })).toBe(base);
    expect(sessionFingerprint({ ip: '198.51.101.1', userAgent: 'UA' })).not.toBe(base);
    expect(sessionFingerprint({ ip: '198.51.100.1', userAgent: 'UA2' })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('evaluateSession: touch throttling', () => {
  it('does not ask to write last_seen within the touch interval', () => {
    expect(evaluateSession(session(), USER, CLIENT, T0 + MINUTE_MS - 1, policy())).toMatchObject({ alive: true, touch: false });
  });

  it('asks to write last_seen once the interval has passed, exactly', () => {
    expect(evaluateSession(session(), USER, CLIENT, T0 + MINUTE_MS, policy())).toMatchObject({ alive: true, touch: true });
  });

  it('measures the interval from the last write', () => {
    const s = session({ lastSeenAtMs: T0 + 10 * MINUTE_MS });
    expect(evaluateSession(s, USER, CLIENT, T0 + 11 * MINUTE_MS - 1, policy())).toMatchObject({ touch: false });
    expect(evaluateSession(s, USER, CLIENT, T0 + 11 * MINUTE_MS, policy())).toMatchObject({ touch: true });
  });
});
