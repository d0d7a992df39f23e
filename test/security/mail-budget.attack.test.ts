/**
 * @module Attack: turning the generic notices into a mail cannon. 1,000 requests from 1,000
 * clients (each within its own per-client limits) — confirmation resends, reset requests and
 * registrations of the victim's taken address, in any case and any domain spelling, concurrently —
 * and a real SMTP server receives at most MAIL_RECIPIENT_BUDGET (3 an hour) mails for the victim.
 * The budget is one atomic reservation on the CounterStore: in process, and on Redis where several
 * processes share it. After the window, the next mail goes out again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore, type CounterStore } from '../../src/index.ts';
import { openTestRedisCounters, type TestRedisCounters } from '../../src/testing/test-redis.ts';
import { PASSWORD, nextIp, uniqueEmail } from '../http/harness.ts';
import { createIdentityApp, type IdentityApp } from '../http/identity-helpers.ts';
import { rawRequest } from './attack-helpers.ts';

const REQUESTS = 1_000;
const opened: Array<IdentityApp | TestRedisCounters> = [];

afterAll(async () => {
  for (const thing of opened.reverse()) await thing.dispose();
});

function post(app: IdentityApp, path: string, body: Record<string, unknown>): Promise<Response> {
  return rawRequest(app.t.app, path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }, nextIp());
}

async function cannon(counters: CounterStore): Promise<void> {
  const app = await createIdentityApp('required', { counters, password: { hashing: { maxQueue: 5_000 } } });
  opened.push(app);
  const victim = uniqueEmail('victim');
  const waiting = uniqueEmail('waiting');
  await app.t.auth.admin.createUser({ email: victim, password: PASSWORD }, { ip: '127.0.0.1', secure: false, userAgent: 'test' });
  // A second target: registered, never confirmed (resend and the login door both mail it).
  expect((await post(app, '/auth/register', { email: waiting, password: PASSWORD })).status).toBe(202);
  await app.t.auth.flush();
  const registrationMails = (await app.mailTo(waiting)).length;
  expect(registrationMails).toBe(1);

  const spellings = [victim, victim.toUpperCase(), `  ${victim}  `];
  const requests: Array<() => Promise<Response>> = [];
  for (let i = 0; i < REQUESTS; i += 1) {
    const spelled = spellings[i % spellings.length] as string;
    if (i % 10 === 0) requests.push(() => post(app, '/auth/register', { email: spelled, password: 'attacker-chosen-password-1' }));
    else if (i % 3 === 0) requests.push(() => post(app, '/auth/forgot-password', { email: spelled }));
    else if (i % 3 === 1) requests.push(() => post(app, '/auth/confirm/resend', { email: waiting }));
    else requests.push(() => post(app, '/auth/forgot-password', { email: waiting }));
  }
  const statuses = await Promise.all(requests.map((send) => send().then((res) => res.status)));
  // Every one was answered as the contract says (the per-client limits never refused: one client each).
  expect(new Set(statuses)).toEqual(new Set([200, 202]));
  await app.t.auth.flush();
  expect((await app.mailTo(victim)).length).toBe(3);
  expect((await app.mailTo(waiting)).length).toBe(3);
  const { records } = await app.t.auth.admin.listAudit({ event: 'mail.suppressed', offset: 0, limit: 1 });
  expect(records[0]?.detail).toMatchObject({ kind: expect.any(String) });

  // The window ends (counters keep real time: the key is dropped rather than waiting an hour): one more mail may go out.
  await counters.delete(`mail-recipient:${victim}`);
  expect((await post(app, '/auth/forgot-password', { email: victim })).status).toBe(200);
  await app.t.auth.flush();
  expect((await app.mailTo(victim)).length).toBe(4);
}

describe('per-recipient mail budget', () => {
  it(`${REQUESTS} requests from ${REQUESTS} clients: at most the budget of mails per recipient (in-process counters)`, async () => {
    const counters = createMemoryCounterStore();
    try {
      await cannon(counters);
    } finally {
      await counters.close();
    }
  });

  it(`${REQUESTS} requests from ${REQUESTS} clients: at most the budget of mails per recipient (Redis counters)`, async () => {
    const redis = await openTestRedisCounters();
    opened.push(redis);
    await cannon(redis.counters);
  });
});
