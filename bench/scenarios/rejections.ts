/**
 * @module `rejections`: how much a refused request costs Portcullis — anonymous GET (401), forged
 * session cookie (401), session cookie without CSRF token (403), login flood past the limit (429) —
 * each against the authenticated GET on the same server in the same round, and against node:http.
 */
import type { RunContext } from '../lib/context.ts';
import { formatCpu, formatMs, formatRate, formatRatio, markdownTable } from '../lib/format.ts';
import { USER_AGENT } from '../lib/http.ts';
import { summarize } from '../lib/measure.ts';
import { nodeHttpPeer, portcullisAuthGet, portcullisLogin } from '../lib/peers.ts';
import { spread } from './auth-get.ts';
import type { Scenario } from './scenario.ts';
import { measureKindsOnOneServer, type RequestKind } from '../lib/kinds.ts';


const JSON_HEADERS = { 'user-agent': USER_AGENT, accept: 'application/json' } as const;
// 43 characters like a real token, so that it is looked up rather than rejected by its shape.
const FORGED_TOKEN = 'A'.repeat(43);

export const REJECTION_KINDS: readonly RequestKind[] = [
  { key: 'authenticated', label: 'authenticated GET (200)', target: portcullisAuthGet },
  {
    key: 'anonymous',
    label: 'anonymous GET of the guarded route (401)',
    target: async (url) => ({ url: `${url}/bench/me`, headers: JSON_HEADERS, expectStatus: 401 }),
  },
  {
    key: 'forged-cookie',
    label: 'GET with a forged session cookie (401)',
    target: async (url) => ({ url: `${url}/bench/me`, headers: { ...JSON_HEADERS, cookie: `portcullis_session=${FORGED_TOKEN}` }, expectStatus: 401 }),
  },
  {
    key: 'csrf',
    label: 'POST with session cookie, no CSRF token (403)',
    async target(url) {
      const { cookie } = await portcullisLogin(url);
      return { url: `${url}/bench/me`, method: 'POST', headers: { ...JSON_HEADERS, 'content-type': 'application/json', cookie }, body: '{}', expectStatus: 403 };
    },
  },
  {
    key: 'login-limited',
    label: 'login flood from one IP past the limit (429)',
    // The warm-up spends the 5-per-minute budget (those answers are 401 after a full argon2id
    // verification); everything measured after it is refused before any password work.
    target: async (url) => ({
      url: `${url}/auth/login`,
      method: 'POST',
      headers: { ...JSON_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'victim@example.com', password: 'guess-number-one' }),
      expectStatus: 429,
    }),
  },
];

export const rejections: Scenario = {
  name: 'rejections',
  description: 'Refused requests per second on Portcullis (SQLite) against its authenticated GET and bare node:http',
  async run(ctx: RunContext) {
    const results = await measureKindsOnOneServer(ctx, 'rejections', REJECTION_KINDS);
    const nodeSummary = summarize(results.get(nodeHttpPeer.key)!);
    const nodeRps = nodeSummary.requestsPerSecond;
    const authRps = summarize(results.get('authenticated')!).requestsPerSecond;
    const rows = REJECTION_KINDS.map((kind) => {
      const summary = summarize(results.get(kind.key)!);
      return { key: kind.key, label: kind.label, summary, vsAuthenticated: summary.requestsPerSecond / authRps, vsNodeHttp: summary.requestsPerSecond / nodeRps };
    });
    const table = markdownTable(
      ['request (Portcullis, SQLite)', 'req/s', 'rounds min–max', 'p50 ms', 'p99 ms', '× authenticated GET', '× node:http', 'server CPU µs / answer', '× node:http by CPU'],
      [
        ['bare node:http (reference)', formatRate(nodeRps), spread(results.get(nodeHttpPeer.key)!), '—', '—', '—', '1.00×', formatCpu(nodeSummary.cpuUsPerAnswer), '1.00×'],
        ...rows.map((r) => [
          r.label + (r.summary.valid ? '' : ' ⚠ unexpected statuses'),
          formatRate(r.summary.requestsPerSecond),
          spread(r.summary.rounds),
          formatMs(r.summary.p50Ms),
          formatMs(r.summary.p99Ms),
          formatRatio(r.vsAuthenticated),
          formatRatio(r.vsNodeHttp),
          formatCpu(r.summary.cpuUsPerAnswer),
          formatRatio(nodeSummary.cpuUsPerAnswer / r.summary.cpuUsPerAnswer),
        ]),
      ],
    );
    const cheaper = rows.filter((r) => r.key !== 'authenticated' && r.vsAuthenticated >= 1).map((r) => r.key);
    const dearer = rows.filter((r) => r.key !== 'authenticated' && r.vsAuthenticated < 1).map((r) => r.key);
    const note =
      `Cheaper than a real request (× authenticated ≥ 1): ${cheaper.join(', ') || 'none'}. ` +
      `Dearer: ${dearer.join(', ') || 'none'}. Target (issue 7): refused requests ≥ 0.5× node:http.`;
    return {
      name: this.name,
      title: 'Rejections are cheap (rejections)',
      markdown: `${table}\n\n${note}`,
      data: { nodeHttpRequestsPerSecond: nodeRps, node: results.get(nodeHttpPeer.key), rows },
    };
  },
};
