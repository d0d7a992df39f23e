/**
 * @module `auth-get`: the authenticated GET (or plain route for the bare servers) of every peer,
 * fresh process per peer and round, order alternating across rounds, ratios against node:http.
 */
import type { RunContext } from '../lib/context.ts';
import { formatCpu, formatMs, formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import type { LoadResult } from '../lib/load.ts';
import { describeRound, log, measure, summarize, type Summary } from '../lib/measure.ts';
import { AUTH_GET_PEERS, nodeHttpPeer, type Peer } from '../lib/peers.ts';
import { startServer } from '../lib/process.ts';
import { alternatingOrder } from '../lib/stats.ts';
import type { Scenario } from './scenario.ts';

/** Starts the peer, prepares its request, measures once, stops it. */
export async function measurePeerOnce(ctx: RunContext, peer: Peer): Promise<LoadResult> {
  const server = await startServer(await peer.spec(ctx), ctx.workDir);
  try {
    return await measure(ctx, await peer.prepare(server.url), server.pid);
  } finally {
    await server.stop();
  }
}

/** The range of req/s over the rounds: how much the machine moved under this peer. */
export function spread(rounds: readonly LoadResult[]): string {
  const rates = rounds.map((r) => r.requestsPerSecond);
  return `${formatRate(Math.min(...rates))}–${formatRate(Math.max(...rates))}`;
}

export interface PeerRow {
  readonly key: string;
  readonly label: string;
  readonly summary: Summary | null;
  readonly ratio: number;
  readonly failure: string | null;
}

export const authGet: Scenario = {
  name: 'auth-get',
  description: 'Authenticated GET through each stack (plain GET for the bare servers), ratio against bare node:http',
  async run(ctx) {
    // BENCH_PEERS=node-http,portcullis-sqlite measures only those (node:http always, as the reference).
    const only = process.env.BENCH_PEERS?.split(',').map((k) => k.trim());
    const peers = only ? AUTH_GET_PEERS.filter((p) => p.key === nodeHttpPeer.key || only.includes(p.key)) : AUTH_GET_PEERS;
    const results = new Map<string, LoadResult[]>(peers.map((p) => [p.key, []]));
    const failures = new Map<string, string>();
    for (let round = 0; round < ctx.config.rounds; round++) {
      for (const peer of alternatingOrder(peers, round)) {
        if (failures.has(peer.key)) continue;
        try {
          const result = await measurePeerOnce(ctx, peer);
          results.get(peer.key)!.push(result);
          log(`auth-get round ${round + 1} ${peer.key}: ${describeRound(result)}`);
        } catch (error) {
          const reason = (error as Error).message;
          failures.set(peer.key, reason);
          log(`auth-get ${peer.key} FAILED: ${reason}`);
        }
      }
    }
    const baselineSummary = summarize(results.get(nodeHttpPeer.key)!);
    const baseline = baselineSummary.requestsPerSecond;
    const rows: PeerRow[] = peers.map((peer) => {
      const rounds = results.get(peer.key)!;
      const summary = rounds.length > 0 ? summarize(rounds) : null;
      return { key: peer.key, label: peer.label, summary, ratio: summary ? summary.requestsPerSecond / baseline : Number.NaN, failure: failures.get(peer.key) ?? null };
    });
    const table = markdownTable(
      ['peer', 'req/s', 'rounds min–max', 'p50 ms', 'p99 ms', '× node:http', 'server CPU µs / answer', '× node:http by CPU'],
      rows.map((r) =>
        r.summary
          ? [
              r.label + (r.summary.valid ? '' : ' ⚠ unexpected statuses'),
              formatRate(r.summary.requestsPerSecond),
              spread(r.summary.rounds),
              formatMs(r.summary.p50Ms),
              formatMs(r.summary.p99Ms),
              formatRatio(r.ratio),
              formatCpu(r.summary.cpuUsPerAnswer),
              formatRatio(baselineSummary.cpuUsPerAnswer / r.summary.cpuUsPerAnswer),
            ]
          : [r.label, `failed: ${(r.failure ?? '').split('\n')[0]}`, '—', '—', '—', '—', '—', '—'],
      ),
    );
    const ratioOf = (key: string) => rows.find((r) => r.key === key)?.summary?.requestsPerSecond ?? Number.NaN;
    const sqlite = ratioOf('portcullis-sqlite');
    const notes = [
      `Portcullis (SQLite) is ${formatRatio(sqlite / ratioOf('express-passport'))} the Express/Passport stack and ${formatRatio(sqlite / ratioOf('better-auth'))} Better Auth in this run.`,
      'Targets (issues 7, 15): Portcullis SQLite ≥ 0.40× node:http (≥ 8× Express/Passport, ≥ 25× Better Auth); PostgreSQL + Redis ≥ 0.20×.',
      '“× node:http by CPU” is node:http’s server CPU per answer over this peer’s: the share of node:http’s rate it would reach with the same CPU (steadier than req/s on a shared host; node:http’s own req/s is capped by the load generator).',
    ];
    return {
      name: this.name,
      title: 'Authenticated GET (auth-get)',
      markdown: `${table}\n\n${notes.join(' ')}`,
      data: { baselineRequestsPerSecond: baseline, rows },
    };
  },
};
