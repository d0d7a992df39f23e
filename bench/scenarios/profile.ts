/**
 * @module `profile` (on demand: `npm run bench -- profile`): one kind of request against its server
 * under `node --cpu-prof` (BENCH_PROFILE_TARGET, default the SQLite session GET of `auth-get`; every
 * kind of `tokens` and `rejections`, the PostgreSQL + Redis peer, a login, bare node:http). Prints
 * the server's CPU time per answer (every thread, no profiler), the system calls per answer where
 * `strace` runs (`strace -c -f`, a load run with the tracer attached), then from a second server
 * under --cpu-prof the top frames by self time and the share of each package. The .cpuprofile
 * stays in bench/results/profile/.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatRate, markdownTable } from '../lib/format.ts';
import { describeRound, log } from '../lib/measure.ts';
import type { RunContext } from '../lib/context.ts';
import { nodeHttpPeer, portcullisAuthGet, portcullisLoginTarget, portcullisPostgresPeer, portcullisSqliteSpec } from '../lib/peers.ts';
import { runLoad, type LoadResult, type LoadTarget } from '../lib/load.ts';
import { cpuSeconds, REPO_ROOT, startServer, type ServerSpec } from '../lib/process.ts';
import { countSyscalls, straceAvailable, type SyscallCount } from '../lib/syscalls.ts';
import { REJECTION_KINDS } from './rejections.ts';
import type { Scenario } from './scenario.ts';
import { TOKEN_KINDS } from './tokens.ts';

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

/** What can be profiled: a server and the request it is loaded with. */
interface ProfileTarget {
  readonly label: string;
  spec(ctx: RunContext, nodeArgs: readonly string[]): Promise<ServerSpec>;
  prepare(url: string): Promise<LoadTarget>;
}

const sqlite = (label: string, prepare: (url: string) => Promise<LoadTarget>): ProfileTarget => ({
  label,
  spec: async (ctx, nodeArgs) => portcullisSqliteSpec(ctx, undefined, nodeArgs),
  prepare,
});

/** `GET /` on bench/servers/adapter.ts: a framework bare, or with the Portcullis adapter wired in. */
const adapterRoute = (framework: string, portcullis: boolean): ProfileTarget => ({
  label: `GET / on ${framework}${portcullis ? ' + the Portcullis adapter' : ' (bare)'}`,
  spec: async (ctx, nodeArgs) => ({
    name: `adapter-${framework}`,
    script: 'bench/servers/adapter.ts',
    readyPath: '/',
    nodeArgs,
    env: {
      BENCH_FRAMEWORK: framework,
      BENCH_PORTCULLIS: portcullis ? '1' : '0',
      ...(portcullis ? { DATABASE_URL: `sqlite:${ctx.freshPath(`adapter-${framework}`, 'db')}`, BENCH_SECRET: ctx.secret } : {}),
    },
  }),
  prepare: async (url) => ({ url: `${url}/`, headers: { 'user-agent': 'portcullis-bench/1', accept: 'application/json' }, expectStatus: 200 }),
});

const TARGETS: Readonly<Record<string, ProfileTarget>> = {
  session: sqlite('session GET /bench/me (SQLite)', portcullisAuthGet),
  'pg-redis': {
    label: 'session GET /bench/me (PostgreSQL + Redis)',
    spec: async (ctx, nodeArgs) => ({ ...(await portcullisPostgresPeer.spec(ctx)), nodeArgs }),
    prepare: portcullisAuthGet,
  },
  login: {
    label: 'POST /auth/login (SQLite, login limits lifted)',
    spec: async (ctx, nodeArgs) => {
      const spec = portcullisSqliteSpec(ctx, undefined, nodeArgs);
      return { ...spec, env: { ...spec.env, BENCH_UNLIMITED_LOGINS: '1' } };
    },
    prepare: async (url) => portcullisLoginTarget(url),
  },
  express: adapterRoute('express', true),
  'express-bare': adapterRoute('express', false),
  fastify: adapterRoute('fastify', true),
  'fastify-bare': adapterRoute('fastify', false),
  'node-http': { label: 'bare node:http', spec: async (ctx, nodeArgs) => ({ ...(await nodeHttpPeer.spec(ctx)), nodeArgs }), prepare: nodeHttpPeer.prepare },
  ...Object.fromEntries([...TOKEN_KINDS, ...REJECTION_KINDS].filter((k) => k.key !== 'authenticated' && k.key !== 'session').map((k) => [k.key, sqlite(k.label, k.target)])),
};

const perAnswer = (counts: readonly SyscallCount[], answers: number) => counts.reduce((sum, c) => sum + c.calls, 0) / Math.max(answers, 1);

export const profile: Scenario = {
  name: 'profile',
  description: 'CPU profile (and system calls) of one kind of request to Portcullis under load',
  async run(ctx) {
    const dir = join(REPO_ROOT, 'bench', 'results', 'profile');
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    const key = process.env.BENCH_PROFILE_TARGET ?? 'session';
    const target = TARGETS[key === 'auth-get' ? 'session' : key];
    if (!target) throw new Error(`unknown BENCH_PROFILE_TARGET "${key}"; known: ${Object.keys(TARGETS).join(', ')}`);
    const settings = { connections: ctx.config.connections, durationSeconds: ctx.config.durationSeconds };
    // First without the profiler (its sampling signals are system calls too, and it costs CPU):
    // the server's CPU time per answer, then the system calls per answer under strace.
    const plain = await startServer(await target.spec(ctx, []), ctx.workDir);
    let result: LoadResult;
    let cpuMsPerAnswer: number;
    let syscalls: { counts: SyscallCount[]; answers: number } | undefined;
    try {
      const load = await target.prepare(plain.url);
      await runLoad(load, { ...settings, durationSeconds: ctx.config.warmupSeconds });
      const cpuBefore = cpuSeconds(plain.pid);
      result = await runLoad(load, settings);
      cpuMsPerAnswer = ((cpuSeconds(plain.pid) - cpuBefore) * 1000) / Math.max(result.answered, 1);
      log(`profile ${key}: ${describeRound(result)}, ${(cpuMsPerAnswer * 1000).toFixed(1)} µs of server CPU per answer`);
      if (straceAvailable() && process.env.BENCH_PROFILE_STRACE !== '0') {
        const traced = await countSyscalls(plain.pid, join(ctx.workDir, `strace-${key}.txt`), () => runLoad(load, { ...settings, durationSeconds: Math.min(3, settings.durationSeconds) }));
        syscalls = { counts: traced.counts, answers: traced.result.answered };
        log(`profile ${key}: ${perAnswer(traced.counts, traced.result.answered).toFixed(2)} system calls per answer under strace`);
      }
    } finally {
      await plain.stop();
    }
    const profiled = await startServer(await target.spec(ctx, ['--cpu-prof', '--cpu-prof-dir', dir]), ctx.workDir);
    try {
      const load = await target.prepare(profiled.url);
      await runLoad(load, { ...settings, durationSeconds: ctx.config.warmupSeconds });
      log(`profile ${key} under --cpu-prof: ${describeRound(await runLoad(load, settings))}`);
    } finally {
      await profiled.stop();
    }
    const written = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
    // One file per thread (tsx's loader hooks run in a worker): keep the main thread's (thread id 0).
    const newest = written.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? written.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
    if (!newest) throw new Error(`no .cpuprofile written in ${dir}`);
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, newest), 'utf8')) as CpuProfile);
    const frames = markdownTable(['frame (self time)', 'share of samples'], summary.frames.map(([f, s]) => [`\`${f}\``, percent(s)]));
    const owners = markdownTable(['code owner (self time)', 'share of samples'], summary.owners.map(([o, s]) => [o, percent(s)]));
    const syscallTable = syscalls
      ? `System calls per answer (\`strace -c -f\`, every thread, ${syscalls.answers} answers): **${perAnswer(syscalls.counts, syscalls.answers).toFixed(2)}**\n\n` +
        markdownTable(
          ['system call', 'per answer'],
          syscalls.counts.filter((c) => c.calls / Math.max(syscalls!.answers, 1) >= 0.01).map((c) => [c.name, (c.calls / Math.max(syscalls!.answers, 1)).toFixed(2)]),
        )
      : 'System calls: not counted (no strace, or BENCH_PROFILE_STRACE=0).';
    const markdown =
      `${target.label}: ${formatRate(result.requestsPerSecond)} req/s, **${(cpuMsPerAnswer * 1000).toFixed(1)} µs of server CPU per answer** ` +
      `(every thread, from /proc, no profiler). CPU profile (a second server, under --cpu-prof) of ${summary.totalSeconds.toFixed(1)} s ` +
      `(start-up, warm-up and the measured run; wall-clock samples: time the thread waited for a core shows up in the frame it waited in, mostly \`writev\`); ` +
      `file: \`bench/results/profile/${newest}\`.\n\n${owners}\n\n${frames}\n\n${syscallTable}`;
    return {
      name: this.name,
      title: `CPU profile of Portcullis: ${target.label} (profile)`,
      markdown,
      data: { target: key, file: newest, cpuMsPerAnswer, result, syscalls, ...summary },
    };
  },
};
