/**
 * @module `startup`: the reference server's start-up — what `npm start` runs, the compiled JavaScript
 * (`node --import ./scripts/built.mjs dist/app/main.js`: a freshness check of dist/, then the
 * server) — on a fresh SQLite file to the first 200 on /healthz, median of several cold starts; RSS
 * (VmRSS) idle and peak under load on GET /auth/me. dist/ is brought up to date first, outside the
 * timing; one more cold start through `npm start` itself shows what npm's own start-up adds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, markdownTable } from '../lib/format.ts';
import { cookieFrom, expectAnswer, request, USER_AGENT } from '../lib/http.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { describeRound, log } from '../lib/measure.ts';
import { childPids, freePort, readRssMiB, REPO_ROOT, spawnLogged, stopChild, waitUntilAnswering } from '../lib/process.ts';
import { median } from '../lib/stats.ts';
import type { Scenario } from './scenario.ts';

const SERVER = 'dist/app/main.js';
/** `npm start`'s command line (package.json), without npm. */
const NPM_START_ARGS = ['--import', './scripts/built.mjs', SERVER];

interface StartRun {
  readonly msToHealthy: number;
  readonly rssIdleMiB: number;
  readonly rssPeakUnderLoadMiB: number;
  readonly load: LoadResult;
}

/** A process's descendants (npm → sh → node), deepest last. */
function descendants(pid: number): number[] {
  const children = childPids(pid);
  return [...children, ...children.flatMap(descendants)];
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function freshEnv(dir: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: `sqlite:${join(dir, 'portcullis.db')}`,
    MAIL_OUTBOX: join(dir, 'outbox.jsonl'),
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'development',
    // The scenario registers and signs in at once.
    EMAIL_CONFIRMATION: 'off',
  };
}

/** `npm start` itself (npm's own start-up, the shell, the freshness check, the server), to the first 200. */
async function npmStart(ctx: RunContext): Promise<number> {
  const dir = mkdtempSync(join(ctx.workDir, 'startup-npm-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawnLogged('npm', ['start', '--silent'], freshEnv(dir, port), join(dir, 'server.log'));
  try {
    await waitUntilAnswering(`http://127.0.0.1:${port}/healthz`, child, 60_000, 5);
    return performance.now() - started;
  } finally {
    // npm forwards SIGTERM to its script, but not always through the shell in between: stop the server itself.
    for (const pid of descendants(child.pid ?? -1)) if (cmdline(pid).includes(SERVER)) process.kill(pid, 'SIGTERM');
    await stopChild(child);
  }
}

async function coldStart(ctx: RunContext, index: number): Promise<StartRun> {
  const dir = mkdtempSync(join(ctx.workDir, `startup-${index}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawnLogged(process.execPath, NPM_START_ARGS, freshEnv(dir, port), join(dir, 'server.log'));
  try {
    await waitUntilAnswering(`${url}/healthz`, child, 30_000, 5);
    const msToHealthy = performance.now() - started;
    const pid = child.pid ?? -1;
    await sleep(1_000);
    const rssIdleMiB = readRssMiB(pid);

    const password = 'Quiet-Harbour-Lantern-4817';
    const register = await request(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: 'startup@example.com', password }),
    });
    const cookie = cookieFrom(register, 'portcullis_session');
    await expectAnswer(register, 201, 'reference app register');
    let peak = readRssMiB(pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, readRssMiB(pid));
    }, 100);
    const load = await runLoad(
      { url: `${url}/auth/me`, headers: { 'user-agent': USER_AGENT, accept: 'application/json', cookie }, expectStatus: 200 },
      { connections: ctx.config.connections, durationSeconds: ctx.config.durationSeconds },
    ).finally(() => clearInterval(sampler));
    return { msToHealthy, rssIdleMiB, rssPeakUnderLoadMiB: peak, load };
  } finally {
    await stopChild(child);
  }
}

export const startup: Scenario = {
  name: 'startup',
  description: 'npm start (compiled: node dist/app/main.js, fresh SQLite) to first 200 on /healthz; RSS idle and under load',
  async run(ctx) {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'inherit' });
    const runs: StartRun[] = [];
    for (let i = 0; i < ctx.config.startupRuns; i++) {
      const run = await coldStart(ctx, i);
      runs.push(run);
      log(`startup run ${i + 1}: healthy in ${Math.round(run.msToHealthy)} ms, RSS idle ${run.rssIdleMiB.toFixed(0)} MiB, peak ${run.rssPeakUnderLoadMiB.toFixed(0)} MiB; GET /auth/me ${describeRound(run.load)}`);
    }
    const npmStartMs = await npmStart(ctx);
    log(`npm start: healthy in ${Math.round(npmStartMs)} ms`);
    const startMs = median(runs.map((r) => r.msToHealthy));
    const table = markdownTable(
      ['measure', 'median', 'runs'],
      [
        [`spawn \`node ${NPM_START_ARGS.join(' ')}\` → first 200 on /healthz (fresh SQLite, migrations included)`, `${Math.round(startMs)} ms`, runs.map((r) => `${Math.round(r.msToHealthy)}`).join(', ') + ' ms'],
        ['the same through `npm start` (npm and a shell in front; dist/ up to date)', `${Math.round(npmStartMs)} ms`, '1 run'],
        ['RSS idle (1 s after healthy)', `${median(runs.map((r) => r.rssIdleMiB)).toFixed(0)} MiB`, runs.map((r) => r.rssIdleMiB.toFixed(0)).join(', ') + ' MiB'],
        [
          `RSS peak under load (GET /auth/me, ${ctx.config.connections} connections, ${ctx.config.durationSeconds} s)`,
          `${median(runs.map((r) => r.rssPeakUnderLoadMiB)).toFixed(0)} MiB`,
          runs.map((r) => r.rssPeakUnderLoadMiB.toFixed(0)).join(', ') + ' MiB',
        ],
        ['GET /auth/me under that load (reference app)', `${formatRate(median(runs.map((r) => r.load.requestsPerSecond)))} req/s, p99 ${formatMs(median(runs.map((r) => r.load.p99Ms)))} ms`, ''],
      ],
    );
    const verdict = `Target (issue 7): healthy ≤ 1 s on SQLite after install — ${startMs <= 1000 ? 'met' : `missed by ${Math.round(startMs - 1000)} ms`} (compiled JavaScript; the one-off build of a fresh clone — \`npm start\` runs \`npm run build\` when dist/ is missing or older than src/ — is not included).`;
    return { name: this.name, title: 'Start-up and memory (startup)', markdown: `${table}\n\n${verdict}`, data: { runs } };
  },
};
