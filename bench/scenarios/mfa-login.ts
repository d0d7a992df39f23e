/**
 * @module `mfa-login`: what the second step costs. A two-step sign-in (password → pending state →
 * TOTP code) against a password sign-in, through the same request core (`handler(auth)`, in
 * process: no sockets) on one SQLite file, each user signing in once per round, CONCURRENCY at a
 * time. Reported as the ratio of server CPU per completed sign-in (target ≤ 1.10: the code check
 * must stay noise beside argon2id) and of sign-ins per second. Rounds alternate which kind runs
 * first; a fixed clock moves one TOTP step between rounds, so every code is new (a code is good
 * once per step).
 */
import { randomBytes } from 'node:crypto';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { FixedClock, createAuth, handler, type Auth } from 'portcullis';
import { createSqlStores } from 'portcullis/sql';
import type { RunContext } from '../lib/context.ts';
import { formatRate, markdownTable } from '../lib/format.ts';
import { log } from '../lib/measure.ts';
import { median } from '../lib/stats.ts';
import { BENCH_USER } from '../servers/bench-user.ts';
import type { Scenario } from './scenario.ts';

const CONCURRENCY = 8;
const ORIGIN = 'http://127.0.0.1:3000';

interface Account {
  readonly email: string;
  readonly ip: string;
  readonly secret?: Uint8Array;
}

interface Run {
  readonly kind: 'password' | 'two-step';
  readonly signIns: number;
  readonly seconds: number;
  readonly cpuMsPerSignIn: number;
}

type Fetch = ReturnType<typeof handler>;

const json = (body: unknown, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'bench', ...extra },
  body: JSON.stringify(body),
});

async function passwordSignIn(fetch: Fetch, account: Account): Promise<void> {
  const res = await fetch(new Request(`${ORIGIN}/auth/login`, json({ email: account.email, password: BENCH_USER.password })), { remoteAddress: account.ip });
  if (res.status !== 200) throw new Error(`password sign-in answered ${res.status}`);
  await res.arrayBuffer();
}

async function twoStepSignIn(fetch: Fetch, clock: FixedClock, account: Account): Promise<void> {
  const first = await fetch(new Request(`${ORIGIN}/auth/login`, json({ email: account.email, password: BENCH_USER.password })), { remoteAddress: account.ip });
  const pending = first.headers.getSetCookie().find((c) => c.startsWith('portcullis_mfa='))?.split(';')[0];
  if (first.status !== 200 || !pending) throw new Error(`first step answered ${first.status}`);
  await first.arrayBuffer();
  const code = generateHOTP(account.secret!, BigInt(Math.floor(clock.nowMs() / 30_000)), 6);
  const second = await fetch(new Request(`${ORIGIN}/auth/mfa/verify`, json({ method: 'totp', code }, { cookie: pending })), { remoteAddress: account.ip });
  if (second.status !== 200) throw new Error(`second step answered ${second.status}`);
  await second.arrayBuffer();
}

/** Every account signs in once, CONCURRENCY at a time; wall time and the process's CPU time (hashing threads included). */
async function measure(kind: Run['kind'], accounts: readonly Account[], signIn: (a: Account) => Promise<void>): Promise<Run> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < accounts.length) await signIn(accounts[next++]!);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { kind, signIns: accounts.length, seconds, cpuMsPerSignIn: (cpu.user + cpu.system) / 1000 / accounts.length };
}

async function createAccounts(auth: Auth, count: number, withTotp: boolean, label: string): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${label}.${i}.${randomBytes(3).toString('hex')}@example.com`;
    const ip = `10.${withTotp ? 2 : 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const client = { ip, userAgent: 'bench', secure: false };
    const started = await auth.sessions.register({ email, password: BENCH_USER.password }, client);
    if ('pending' in started) throw new Error('the bench signs up with confirmation off');
    if (!withTotp) {
      accounts.push({ email, ip });
      continue;
    }
    const setup = await auth.mfa.setUpTotp(started.principal);
    const secret = decodeBase32IgnorePadding(setup.secret);
    await auth.mfa.confirmTotp(started.principal, { code: generateHOTP(secret, BigInt(Math.floor(Date.UTC(2026, 0, 1) / 30_000)), 6) }, client);
    accounts.push({ email, ip, secret });
  }
  return accounts;
}

export const mfaLogin: Scenario = {
  name: 'mfa-login',
  description: 'a two-step sign-in (password + TOTP) against a password sign-in: CPU per sign-in and rate, as ratios',
  async run(ctx: RunContext) {
    const perRound = ctx.config.quick ? 24 : 96;
    const rounds = Math.max(3, ctx.config.rounds);
    const stores = await createSqlStores(`sqlite:${ctx.freshPath('mfa-login', 'db')}`);
    const clock = new FixedClock(Date.UTC(2026, 0, 1));
    const auth = createAuth({
      stores,
      clock,
      identity: { confirmation: 'off' },
      secretKey: ctx.secret,
      environment: 'test',
      publicOrigin: ORIGIN,
      password: { minStrength: 0 },
      rateLimits: { login: { count: 1_000_000, windowMs: 60_000 }, register: { count: 1_000_000, windowMs: 60_000 } },
      mfa: { attemptBudget: { count: 1_000_000, windowMs: 60_000 } },
    });
    try {
      log(`mfa-login: registering ${perRound} password and ${perRound} two-step accounts`);
      const plain = await createAccounts(auth, perRound, false, 'plain');
      const twoStep = await createAccounts(auth, perRound, true, 'totp');
      const fetch = handler(auth);
      const runs: Run[] = [];
      for (let round = 0; round < rounds; round++) {
        // A new time step per round: the enrolment used the first one, each round's codes are new.
        clock.advanceMs(30_000);
        const order = round % 2 === 0 ? (['password', 'two-step'] as const) : (['two-step', 'password'] as const);
        for (const kind of order) {
          const run = kind === 'password' ? await measure(kind, plain, (a) => passwordSignIn(fetch, a)) : await measure(kind, twoStep, (a) => twoStepSignIn(fetch, clock, a));
          log(`mfa-login round ${round + 1}: ${kind} ${formatRate(run.signIns / run.seconds)} sign-ins/s, ${run.cpuMsPerSignIn.toFixed(2)} ms CPU each`);
          runs.push(run);
        }
      }
      const of = (kind: Run['kind']) => runs.filter((r) => r.kind === kind);
      const cpu = (kind: Run['kind']) => median(of(kind).map((r) => r.cpuMsPerSignIn));
      const rate = (kind: Run['kind']) => median(of(kind).map((r) => r.signIns / r.seconds));
      const cpuRatio = cpu('two-step') / cpu('password');
      const rateRatio = rate('two-step') / rate('password');
      const table = markdownTable(
        ['sign-in', 'sign-ins/s', 'CPU ms per sign-in', 'CPU vs password'],
        [
          ['password', formatRate(rate('password')), cpu('password').toFixed(2), '1.00×'],
          ['password + TOTP code (two requests)', formatRate(rate('two-step')), cpu('two-step').toFixed(2), `${cpuRatio.toFixed(2)}× ${cpuRatio <= 1.1 ? '✓' : '✗ (target ≤ 1.10×)'}`],
        ],
      );
      const markdown = [
        `${perRound} accounts of each kind sign in once per round, ${CONCURRENCY} at a time, through \`handler(auth)\` in process on SQLite; medians of ${rounds} rounds.`,
        '',
        table,
        '',
        `Two-step sign-ins per second are ${(rateRatio * 100).toFixed(0)} % of password sign-ins'. The second step costs no hash: a pending-state HMAC, an AES-GCM open, three HOTP values and one conditional UPDATE beside argon2id.`,
      ].join('\n');
      return { name: 'mfa-login', title: 'Two-step sign-in vs password sign-in', markdown, data: { runs, cpuRatio, rateRatio } };
    } finally {
      await auth.close();
      await stores.close();
    }
  },
};
