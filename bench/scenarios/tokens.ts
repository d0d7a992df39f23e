/**
 * @module `tokens`: requests per second of a Bearer-authenticated GET (access JWT, and personal
 * access token) against a session-authenticated GET and a bare route on the same Portcullis
 * server in the same round, and against bare node:http.
 */
import type { RunContext } from '../lib/context.ts';
import { formatCpu, formatMs, formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import { expectAnswer, request, USER_AGENT } from '../lib/http.ts';
import type { LoadTarget } from '../lib/load.ts';
import { summarize } from '../lib/measure.ts';
import { nodeHttpPeer, portcullisLogin } from '../lib/peers.ts';
import { BENCH_USER } from '../servers/bench-user.ts';
import { spread } from './auth-get.ts';
import type { Scenario } from './scenario.ts';
import { measureKindsOnOneServer, type RequestKind } from '../lib/kinds.ts';

const HEADERS = { 'user-agent': USER_AGENT, accept: 'application/json' } as const;


async function accessToken(url: string): Promise<string> {
  const res = await request(`${url}/auth/token`, {
    method: 'POST',
    headers: { ...HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_USER.email, password: BENCH_USER.password }),
  });
  return (JSON.parse(await expectAnswer(res, 200, 'portcullis POST /auth/token')) as { access_token: string }).access_token;
}

async function personalAccessToken(url: string): Promise<string> {
  const { cookie, csrfToken } = await portcullisLogin(url);
  const res = await request(`${url}/auth/api-tokens`, {
    method: 'POST',
    headers: { ...HEADERS, 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'bench' }),
  });
  return (JSON.parse(await expectAnswer(res, 201, 'portcullis POST /auth/api-tokens')) as { token: string }).token;
}

const bearer = (url: string, token: string): LoadTarget => ({ url: `${url}/bench/api`, headers: { ...HEADERS, authorization: `Bearer ${token}` }, expectStatus: 200 });

export const TOKEN_KINDS: readonly RequestKind[] = [
  { key: 'bare', label: 'bare route through the middleware (/healthz)', target: async (url) => ({ url: `${url}/healthz`, headers: HEADERS, expectStatus: 200 }) },
  {
    key: 'session',
    label: 'session-authenticated GET',
    target: async (url) => ({ url: `${url}/bench/api`, headers: { ...HEADERS, cookie: (await portcullisLogin(url)).cookie }, expectStatus: 200 }),
  },
  { key: 'access-token', label: 'Bearer access token (EdDSA JWT) GET', target: async (url) => bearer(url, await accessToken(url)) },
  { key: 'personal-token', label: 'Bearer personal access token GET', target: async (url) => bearer(url, await personalAccessToken(url)) },
];

export const tokens: Scenario = {
  name: 'tokens',
  description: 'Bearer (access JWT, personal token) vs session vs bare route on one Portcullis server, and node:http',
  async run(ctx: RunContext) {
    const results = await measureKindsOnOneServer(ctx, 'tokens', TOKEN_KINDS);
    const nodeSummary = summarize(results.get(nodeHttpPeer.key)!);
    const nodeRps = nodeSummary.requestsPerSecond;
    const sessionRps = summarize(results.get('session')!).requestsPerSecond;
    const rows = TOKEN_KINDS.map((kind) => ({ kind, summary: summarize(results.get(kind.key)!) }));
    const table = markdownTable(
      ['request (Portcullis, SQLite)', 'req/s', 'rounds min–max', 'p50 ms', 'p99 ms', '× session GET', '× node:http', 'server CPU µs / answer', '× node:http by CPU'],
      [
        ['bare node:http (reference)', formatRate(nodeRps), spread(results.get(nodeHttpPeer.key)!), '—', '—', '—', '1.00×', formatCpu(nodeSummary.cpuUsPerAnswer), '1.00×'],
        ...rows.map(({ kind, summary }) => [
          kind.label + (summary.valid ? '' : ' ⚠ unexpected statuses'),
          formatRate(summary.requestsPerSecond),
          spread(summary.rounds),
          formatMs(summary.p50Ms),
          formatMs(summary.p99Ms),
          formatRatio(summary.requestsPerSecond / sessionRps),
          formatRatio(summary.requestsPerSecond / nodeRps),
          formatCpu(summary.cpuUsPerAnswer),
          formatRatio(nodeSummary.cpuUsPerAnswer / summary.cpuUsPerAnswer),
        ]),
      ],
    );
    return {
      name: this.name,
      title: 'Bearer vs session vs bare route (tokens)',
      markdown: `${table}\n\nThe access token is verified by signature (Ed25519) plus the per-process user/family cache; the personal token by its SHA-256 through the same cache.`,
      data: { nodeHttpRequestsPerSecond: nodeRps, rows: rows.map(({ kind, summary }) => ({ key: kind.key, summary })) },
    };
  },
};
