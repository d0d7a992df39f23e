/**
 * @module `profile` (on demand: `npm run bench -- profile`): the Portcullis (SQLite) auth-get server
 * under `node --cpu-prof`, loaded like in `auth-get` (or with `POST /auth/login` when
 * BENCH_PROFILE_TARGET=login); prints the top frames by self time and the
 * share of each package. The .cpuprofile stays in bench/results/profile/ (open it in Chrome DevTools).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatRate, markdownTable } from '../lib/format.ts';
import { describeRound, log, measure } from '../lib/measure.ts';
import { portcullisAuthGet, portcullisLoginTarget, portcullisSqliteSpec } from '../lib/peers.ts';
import type { LoadResult } from '../lib/load.ts';
import { REPO_ROOT, startServer } from '../lib/process.ts';
import type { Scenario } from './scenario.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

/** Where a frame's code lives: `src/<folder>`, a node_modules package, node internals, or V8. */
function ownerOf(url: string): string {
  if (url === '') return '(V8 / native)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  const rel = relative(REPO_ROOT, path);
  const parts = rel.split('/');
  return parts[0] === 'src' || parts[0] === 'bench' ? parts.slice(0, 2).join('/') : rel;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${relative(REPO_ROOT, url.replace(/^file:\/\//, '')).replace(/^node_modules\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summarizeProfile(profile: CpuProfile, top = 20): { frames: Array<[string, number]>; owners: Array<[string, number]>; totalSeconds: number } {
  const totalSamples = profile.samples.length;
  const byFrame = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const name = frameName(node);
    byFrame.set(name, (byFrame.get(name) ?? 0) + hits);
    const owner = node.callFrame.functionName.startsWith('(') && !node.callFrame.url ? node.callFrame.functionName : ownerOf(node.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits);
  }
  const share = (entries: Map<string, number>) =>
    [...entries.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / totalSamples] as [string, number]);
  return { frames: share(byFrame).slice(0, top), owners: share(byOwner).slice(0, top), totalSeconds: (profile.endTime - profile.startTime) / 1e6 };
}

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

export const profile: Scenario = {
  name: 'profile',
  description: 'CPU profile of the Portcullis (SQLite) auth-get server under load',
  async run(ctx) {
    const dir = join(REPO_ROOT, 'bench', 'results', 'profile');
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    const login = process.env.BENCH_PROFILE_TARGET === 'login';
    const spec = portcullisSqliteSpec(ctx, undefined, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const server = await startServer(login ? { ...spec, env: { ...spec.env, BENCH_UNLIMITED_LOGINS: '1' } } : spec, ctx.workDir);
    let result: LoadResult;
    try {
      result = await measure(ctx, login ? portcullisLoginTarget(server.url) : await portcullisAuthGet(server.url));
      log(`profile: ${describeRound(result)}`);
    } finally {
      await server.stop();
    }
    const written = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
    // One file per thread (tsx's loader hooks run in a worker): keep the main thread's (thread id 0).
    const newest = written.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? written.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
    if (!newest) throw new Error(`no .cpuprofile written in ${dir}`);
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, newest), 'utf8')) as CpuProfile);
    const frames = markdownTable(['frame (self time)', 'share of samples'], summary.frames.map(([f, s]) => [`\`${f}\``, percent(s)]));
    const owners = markdownTable(['code owner (self time)', 'share of samples'], summary.owners.map(([o, s]) => [o, percent(s)]));
    const markdown =
      `Profile of ${summary.totalSeconds.toFixed(1)} s (start-up, warm-up and the measured run) while serving ` +
      `${formatRate(result.requestsPerSecond)} req/s under --cpu-prof; file: \`bench/results/profile/${newest}\`.\n\n${owners}\n\n${frames}`;
    return { name: this.name, title: `CPU profile of Portcullis ${login ? 'login' : 'auth-get'} (profile)`, markdown, data: { file: newest, ...summary } };
  },
};
