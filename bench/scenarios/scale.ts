/**
 * @module `scale`: the authenticated GET with 10k, 100k and 1M stored sessions, on SQLite and on
 * PostgreSQL (seeded in batches before the server starts). Session lookup is one indexed read of
 * sha256(token), so p99 should not grow with the table.
 */
import { join } from 'node:path';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import type { LoadResult } from '../lib/load.ts';
import { describeRound, log, measure, summarize, type Summary } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisSqliteSpec } from '../lib/peers.ts';
import { spawnLogged, startServer } from '../lib/process.ts';
import { alternatingOrder } from '../lib/stats.ts';
import { spread } from './auth-get.ts';
import type { Scenario } from './scenario.ts';

type Dialect = 'sqlite' | 'postgres';
const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

async function seed(ctx: RunContext, databaseUrl: string, sessions: number, dialect: Dialect): Promise<number> {
  const started = Date.now();
  const logPath = join(ctx.workDir, `seed-${dialect}-${sessions}.log`);
  const child = spawnLogged(process.execPath, ['--import', 'tsx', 'bench/servers/seed-sessions.ts'], { DATABASE_URL: databaseUrl, BENCH_SEED_SESSIONS: String(sessions) }, logPath);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`seeding ${sessions} sessions failed (exit ${code}); see ${logPath}`);
  return (Date.now() - started) / 1000;
}

/** One database per (dialect, size): a fresh SQLite file or a fresh PostgreSQL schema. */
async function databaseFor(ctx: RunContext, dialect: Dialect, size: number): Promise<string> {
  return dialect === 'sqlite' ? `sqlite:${ctx.freshPath(`scale-${size}`, 'db')}` : ctx.extraPostgresUrl(`scale_${size}`);
}

export const scale: Scenario = {
  name: 'scale',
  description: 'Session validation with many stored sessions (SQLite and PostgreSQL)',
  async run(ctx) {
    const sizes = ctx.config.scaleSizes;
    const rows: Array<{ dialect: Dialect; sessions: number; seedSeconds: number; summary: Summary; p99VsSmallest: number }> = [];
    for (const dialect of DIALECTS) {
      const databases = new Map<number, string>();
      const seedSeconds = new Map<number, number>();
      for (const size of sizes) {
        const url = await databaseFor(ctx, dialect, size);
        const seconds = await seed(ctx, url, size, dialect);
        databases.set(size, url);
        seedSeconds.set(size, seconds);
        log(`scale: seeded ${size.toLocaleString('en-US')} sessions (${dialect}) in ${seconds.toFixed(1)} s`);
      }
      const results = new Map<number, LoadResult[]>(sizes.map((s) => [s, []]));
      for (let round = 0; round < ctx.config.rounds; round++) {
        for (const size of alternatingOrder(sizes, round)) {
          const spec = portcullisSqliteSpec(ctx);
          const server = await startServer({ ...spec, name: `portcullis-${dialect}`, env: { ...spec.env, DATABASE_URL: databases.get(size)! } }, ctx.workDir);
          try {
            const result = await measure(ctx, await portcullisAuthGet(server.url));
            results.get(size)!.push(result);
            log(`scale round ${round + 1} ${dialect} ${size} sessions: ${describeRound(result)}`);
          } finally {
            await server.stop();
          }
        }
      }
      const smallest = summarize(results.get(sizes[0]!)!);
      for (const size of sizes) {
        const summary = summarize(results.get(size)!);
        rows.push({ dialect, sessions: size, seedSeconds: seedSeconds.get(size)!, summary, p99VsSmallest: summary.p99Ms / smallest.p99Ms });
      }
    }
    const table = markdownTable(
      ['database', 'stored sessions', 'req/s', 'rounds min–max', 'p50 ms', 'p99 ms', 'p99 × smallest'],
      rows.map((r) => [
        r.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL',
        r.sessions.toLocaleString('en-US') + (r.summary.valid ? '' : ' ⚠'),
        formatRate(r.summary.requestsPerSecond),
        spread(r.summary.rounds),
        formatMs(r.summary.p50Ms),
        formatMs(r.summary.p99Ms),
        formatRatio(r.p99VsSmallest),
      ]),
    );
    const verdicts = DIALECTS.map((dialect) => {
      const mine = rows.filter((r) => r.dialect === dialect);
      const largest = mine[mine.length - 1]!;
      const growth = Math.round((largest.p99VsSmallest - 1) * 100);
      return `${dialect}: p99 at ${largest.sessions.toLocaleString('en-US')} sessions is ${growth >= 0 ? '+' : ''}${growth} % of ${sizes[0]!.toLocaleString('en-US')} (target: within 20 %).`;
    });
    return {
      name: this.name,
      title: 'Session validation at scale (scale)',
      markdown: `${table}\n\n${verdicts.join(' ')} Measured under saturation (${ctx.config.connections} connections), so p99 includes queueing.`,
      data: { rows },
    };
  },
};
