/**
 * @module `npm run bench [-- <scenario>…]`: runs the scenarios (all by default), prints the peers'
 * versions and one markdown table per scenario, and writes bench/results/latest.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { readBenchConfig } from './lib/config.ts';
import { createRunContext } from './lib/context.ts';
import { markdownTable } from './lib/format.ts';
import { log } from './lib/measure.ts';
import { REPO_ROOT } from './lib/process.ts';
import { adapters } from './scenarios/adapters.ts';
import { authGet } from './scenarios/auth-get.ts';
import { profile } from './scenarios/profile.ts';
import { rejections } from './scenarios/rejections.ts';
import { scale } from './scenarios/scale.ts';
import type { Scenario, ScenarioReport } from './scenarios/scenario.ts';
import { startup } from './scenarios/startup.ts';
import { tokens } from './scenarios/tokens.ts';
import { loginStorm } from './scenarios/login-storm.ts';
import { mfaLogin } from './scenarios/mfa-login.ts';

const ALL: readonly Scenario[] = [authGet, tokens, rejections, adapters, loginStorm, mfaLogin, scale, startup];
/** Run only when named: it leaves a CPU profile behind rather than a table of figures. */
const ON_DEMAND: readonly Scenario[] = [profile];

const PEER_PACKAGES = [
  'autocannon',
  'hono',
  '@hono/node-server',
  'express',
  'fastify',
  'helmet',
  'express-session',
  'passport',
  'passport-local',
  'express-rate-limit',
  'better-auth',
  'better-sqlite3',
  'kysely',
  'pg',
  'ioredis',
  'rate-limiter-flexible',
  '@node-rs/argon2',
];

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The commit measured, and whether src/ had uncommitted changes (the tree is shared while others work). */
function revision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${commit} + uncommitted changes in src/` : commit;
  } catch {
    return 'unknown revision';
  }
}

function selectScenarios(names: readonly string[]): readonly Scenario[] {
  if (names.length === 0) return ALL;
  const known = [...ALL, ...ON_DEMAND];
  return names.map((name) => {
    const found = known.find((s) => s.name === name);
    if (!found) throw new Error(`unknown scenario "${name}"; known: ${known.map((s) => s.name).join(', ')}`);
    return found;
  });
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => a !== '--');
  const scenarios = selectScenarios(names);
  const config = readBenchConfig();
  const portcullisVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const versions: Record<string, string> = { node: process.versions.node, portcullis: portcullisVersion };
  for (const pkg of PEER_PACKAGES) versions[pkg] = versionOf(pkg);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux, loopback`;
  // The variables that change what is measured are part of the command, so that it can be rerun as is.
  const settingsFromEnv = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && !name.endsWith('_URL'))
    .map(([name, value]) => `${name}=${value} `)
    .sort()
    .join('');
  const command = `${settingsFromEnv}npm run bench${names.length ? ` -- ${names.join(' ')}` : ''}`;
  const settings = `${config.rounds} round(s), ${config.connections} connections, ${config.warmupSeconds} s warm-up + ${config.durationSeconds} s measured per peer and round`;

  const versionTable = markdownTable(['package', 'version'], Object.entries(versions).map(([p, v]) => [p, v]));
  process.stdout.write(`# Portcullis bench\n\n${machine}\n${settings}\n\n${versionTable}\n\n`);

  const loadAtStart = loadavg()[0]!.toFixed(2);
  const measuredRevision = revision();
  const started = Date.now();
  const ctx = createRunContext(config);
  const reports: ScenarioReport[] = [];
  const failed: string[] = [];
  try {
    for (const scenario of scenarios) {
      log(`scenario ${scenario.name}: ${scenario.description} (load average ${loadavg()[0]!.toFixed(2)})`);
      const scenarioStart = Date.now();
      let report: ScenarioReport;
      try {
        report = await scenario.run(ctx);
      } catch (error) {
        // One broken scenario (a peer that will not start, a src/ tree mid-edit) must not lose the others.
        const reason = error instanceof Error ? error.message : String(error);
        log(`scenario ${scenario.name} FAILED: ${reason}`);
        failed.push(scenario.name);
        report = { name: scenario.name, title: `${scenario.name} — failed`, markdown: `Failed: \`${reason.split('\n')[0]}\``, data: { failed: reason } };
      }
      reports.push(report);
      log(`scenario ${scenario.name} done in ${Math.round((Date.now() - scenarioStart) / 1000)} s`);
      process.stdout.write(`## ${report.title}\n\n${report.markdown}\n\n`);
    }
  } finally {
    await ctx.dispose();
  }
  const elapsedSeconds = Math.round((Date.now() - started) / 1000);
  const date = new Date().toISOString();
  const header = `Run ${date.slice(0, 16).replace('T', ' ')} UTC · \`${command}\` · ${elapsedSeconds} s · Portcullis at ${measuredRevision}\n\n${machine}; ${settings}. Load average (1 min) at start: ${loadAtStart} — other processes on the machine share its cores, which is why only ratios within one run are compared.`;
  const markdown = [header, versionTable, ...reports.map((r) => `## ${r.title}\n\n${r.markdown}`)].join('\n\n');
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.md'), `${markdown}\n`);
  writeFileSync(
    join(resultsDir, 'latest.json'),
    `${JSON.stringify({ date, command, revision: measuredRevision, machine, config, versions, elapsedSeconds, scenarios: Object.fromEntries(reports.map((r) => [r.name, r.data])) }, null, 2)}\n`,
  );
  log(`done in ${elapsedSeconds} s; wrote bench/results/latest.json and latest.md`);
  if (failed.length > 0) throw new Error(`failed scenarios: ${failed.join(', ')}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
