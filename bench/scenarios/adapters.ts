/**
 * @module `adapters`: the same route (`GET /` → small JSON) on Hono, Express 5 and Fastify 5, each
 * bare and with Portcullis wired in as the README shows (the adapter's middleware, client and
 * security headers on every request), and the bare `handler(auth)` (its fallback answering the
 * route) against bare node:http. Fresh process per peer and round, order alternating. Reported:
 * req/s, the ratio to the bare framework (target ≥ 0.9× for Express and Fastify), and the
 * server's CPU time per answer (every thread, from /proc): steadier than req/s on a shared host.
 */
import type { RunContext } from '../lib/context.ts';
import { formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import { USER_AGENT } from '../lib/http.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { describeRound, log, summarize } from '../lib/measure.ts';
import { cpuSeconds, startServer, type ServerSpec } from '../lib/process.ts';
import { alternatingOrder, median } from '../lib/stats.ts';
import { spread } from './auth-get.ts';
import type { Scenario } from './scenario.ts';

interface AdapterPeer {
  readonly key: string;
  readonly label: string;
  /** The peer this one is compared with (its bare framework), if any. */
  readonly bare?: string;
  spec(ctx: RunContext): ServerSpec;
}

const server = (framework: string, portcullis: boolean) => (ctx: RunContext): ServerSpec => ({
  name: `adapter-${framework}${portcullis ? '-portcullis' : ''}`,
  script: 'bench/servers/adapter.ts',
  readyPath: '/',
  env: {
    BENCH_FRAMEWORK: framework,
    BENCH_PORTCULLIS: portcullis ? '1' : '0',
    ...(portcullis ? { DATABASE_URL: `sqlite:${ctx.freshPath(`adapter-${framework}`, 'db')}`, BENCH_SECRET: ctx.secret } : {}),
  },
});

const PEERS: readonly AdapterPeer[] = [
  { key: 'node-http', label: 'bare node:http', spec: () => ({ name: 'node-http', script: 'bench/servers/node-http.ts', readyPath: '/' }) },
  { key: 'fetch', label: 'handler(auth) fetch function (its fallback) on node:http via @hono/node-server', bare: 'node-http', spec: server('fetch', true) },
  { key: 'hono-bare', label: 'bare Hono', spec: server('hono', false) },
  { key: 'hono', label: 'Hono + portcullis/hono middleware', bare: 'hono-bare', spec: server('hono', true) },
  { key: 'express-bare', label: 'bare Express 5', spec: server('express', false) },
  { key: 'express', label: 'Express 5 + portcullis/express middleware', bare: 'express-bare', spec: server('express', true) },
  { key: 'fastify-bare', label: 'bare Fastify 5', spec: server('fastify', false) },
  { key: 'fastify', label: 'Fastify 5 + portcullis/fastify plugin', bare: 'fastify-bare', spec: server('fastify', true) },
];

interface Measured {
  readonly result: LoadResult;
  readonly cpuMsPerAnswer: number;
}

async function measureOnce(ctx: RunContext, peer: AdapterPeer): Promise<Measured> {
  const running = await startServer(peer.spec(ctx), ctx.workDir);
  try {
    const target = { url: `${running.url}/`, headers: { 'user-agent': USER_AGENT, accept: 'application/json' }, expectStatus: 200 };
    const settings = { connections: ctx.config.connections, durationSeconds: ctx.config.durationSeconds };
    await runLoad(target, { ...settings, durationSeconds: ctx.config.warmupSeconds });
    const before = cpuSeconds(running.pid);
    const result = await runLoad(target, settings);
    return { result, cpuMsPerAnswer: ((cpuSeconds(running.pid) - before) * 1000) / Math.max(result.answered, 1) };
  } finally {
    await running.stop();
  }
}

export const adapters: Scenario = {
  name: 'adapters',
  description: 'The same route through Hono / Express / Fastify with the Portcullis adapter and the bare fetch handler, against each bare framework and node:http',
  async run(ctx) {
    // BENCH_PEERS=express,fastify measures only those, with their bare frameworks.
    const only = process.env.BENCH_PEERS?.split(',').map((k) => k.trim());
    const peers = only ? PEERS.filter((p) => only.includes(p.key) || PEERS.some((q) => only.includes(q.key) && q.bare === p.key)) : PEERS;
    const measured = new Map<string, Measured[]>(peers.map((p) => [p.key, []]));
    for (let round = 0; round < ctx.config.rounds; round++) {
      for (const peer of alternatingOrder(peers, round)) {
        const m = await measureOnce(ctx, peer);
        measured.get(peer.key)!.push(m);
        log(`adapters round ${round + 1} ${peer.key}: ${describeRound(m.result)}, ${(m.cpuMsPerAnswer * 1000).toFixed(1)} µs CPU/answer`);
      }
    }
    const rows = peers.map((peer) => {
      const runs = measured.get(peer.key)!;
      const summary = summarize(runs.map((m) => m.result));
      const cpuUs = median(runs.map((m) => m.cpuMsPerAnswer * 1000));
      return { peer, summary, cpuUs };
    });
    const byKey = new Map(rows.map((r) => [r.peer.key, r]));
    const table = markdownTable(
      ['server (GET / → small JSON)', 'req/s', 'rounds min–max', 'server CPU µs / answer', '× its bare framework (req/s)', 'bare CPU ÷ this CPU'],
      rows.map(({ peer, summary, cpuUs }) => {
        const bare = peer.bare ? byKey.get(peer.bare) : undefined;
        return [
          peer.label + (summary.valid ? '' : ' ⚠ unexpected statuses'),
          formatRate(summary.requestsPerSecond),
          spread(summary.rounds),
          cpuUs.toFixed(1),
          bare ? formatRatio(summary.requestsPerSecond / bare.summary.requestsPerSecond) : '—',
          bare ? formatRatio(bare.cpuUs / cpuUs) : '—',
        ];
      }),
    );
    const note =
      'Target (issue 15): the same route through the Express / Fastify adapter ≥ 0.9× bare Express / bare Fastify. ' +
      'The bare servers near the load generator’s ceiling (node:http, Hono, Fastify) are capped by it, not by their own CPU: ' +
      'for them the CPU column says more than req/s.';
    return {
      name: this.name,
      title: 'The same route through each adapter (adapters)',
      markdown: `${table}\n\n${note}`,
      data: { rows: rows.map(({ peer, summary, cpuUs }) => ({ key: peer.key, bare: peer.bare, summary, cpuUs })) },
    };
  },
};
