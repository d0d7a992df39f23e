/**
 * @module `scale`: the authenticated GET on SQLite with 10k and 100k stored sessions (seeded through
 * `stores.sessions.createSession` before the server starts). Session lookup is one indexed read of
 * sha256(token), so p99 should not grow with the table.
 */
import { join } from 'node:path';
import type { RunContext } from '../lib/context.ts';
import { formatMs, formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import type { LoadResult } from '../lib/load.ts';
import { describeRound, log, measure, summarize } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisSqliteSpec } from '../lib/peers.ts';
import { spawnLogged, startServer } from '../lib/process.ts';
import { alternatingOrder } from '../lib/stats.ts';
import { spread } from './auth-get.ts';
import type { Scenario } from './scenario.ts';

async function seed(ctx: RunContext, databasePath: string, sessions: number): Promise<number> {
  const started = Date.now();
  const logPath = join(ctx.workDir, `seed-${sessions}.log`);
  const child = spawnLogged(process.execPath, ['--import', 'tsx', 'bench/servers/seed-sessions.ts'], { DATABASE_URL: `sqlite:${databasePath}`, BENCH_SEED_SESSIONS: String(sessions) }, logPath);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`seeding ${sessions} sessions failed (exit ${code}); see ${logPath}`);
  return (Date.now() - started) / 1000;
}

export const scale: Scenario = {
  name: 'scale',
  description: 'Session validation with many stored sessions (SQLite)',
  async run(ctx) {
    const sizes = ctx.config.scaleSizes;
    const databases = new Map<number, string>();
    const seedSeconds = new Map<number, number>();
    for (const size of sizes) {
      const path = ctx.freshPath(`scale-${size}`, 'db');
      const seconds = await seed(ctx, path, size);
      databases.set(size, path);
      seedSeconds.set(size, seconds);
      log(`scale: seeded ${size.toLocaleString('en-US')} sessions in ${seconds.toFixed(1)} s`);
    }
    const results = new Map<number, LoadResult[]>(sizes.map((s) => [s, []]));
    for (let round = 0; round < ctx.config.rounds; round++) {
      for (const size of alternatingOrder(sizes, round)) {
        const server = await startServer(portcullisSqliteSpec(ctx, databases.get(size)!), ctx.workDir);
        try {
          const result = await measure(ctx, await portcullisAuthGet(server.url));
          results.get(size)!.push(result);
          log(`scale round ${round + 1} ${size} sessions: ${describeRound(result)}`);
        } finally {
          await server.stop();
        }
      }
    }
    const smallest = summarize(results.get(sizes[0]!)!);
    const rows = sizes.map((size) => {
      const summary = summarize(results.get(size)!);
      return { sessions: size, seedSeconds: seedSeconds.get(size)!, summary, p99VsSmallest: summary.p99Ms / smallest.p99Ms };
    });
    const table = markdownTable(
      ['stored sessions', 'req/s', 'rounds min–max', 'p50 ms', 'p99 ms', 'p99 × smallest'],
      rows.map((r) => [r.sessions.toLocaleString('en-US') + (r.summary.valid ? '' : ' ⚠'), formatRate(r.summary.requestsPerSecond), spread(r.summary.rounds), formatMs(r.summary.p50Ms), formatMs(r.summary.p99Ms), formatRatio(r.p99VsSmallest)]),
    );
    const largest = rows[rows.length - 1]!;
    const growth = largest.p99VsSmallest - 1;
    const verdict =
      Math.abs(growth) <= 0.2
        ? `p99 does not grow with the table: ${largest.sessions.toLocaleString('en-US')} sessions is within ${Math.round(Math.abs(growth) * 100)} % of ${sizes[0]!.toLocaleString('en-US')} (target: within 20 %).`
        : `p99 changed by ${Math.round(growth * 100)} % from ${sizes[0]!.toLocaleString('en-US')} to ${largest.sessions.toLocaleString('en-US')} sessions (target: within 20 %).`;
    return { name: this.name, title: 'Session validation at scale (scale)', markdown: `${table}\n\n${verdict} Measured under saturation (${ctx.config.connections} connections), so p99 includes queueing.`, data: { rows } };
  },
};
