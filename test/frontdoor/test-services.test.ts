/**
 * The front door: `npm test` first runs scripts/test-services.sh, which provides PostgreSQL, Redis
 * and Chromium where it may and otherwise stops, before any test, with one line per missing thing.
 *
 * Nothing can be uninstalled here, so a fresh machine is simulated through the script's test hooks
 * (PORTCULLIS_SERVICES_UID: "not root"; PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: where the package would
 * put the browser) and through PATH: a copy of the real PATH without sudo and apt-get means "no way
 * to install", and tripwires (fake apt-get, sudo, pg_ctlcluster, redis-server, …) placed first on
 * PATH record any attempt to install or start something. No test here runs the real apt-get.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = join(REPO_ROOT, 'scripts/test-services.sh');
const REAL_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-frontdoor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Commands that install or start services; none may run unless a test asks for it. */
const INSTALLERS = ['apt-get', 'apt', 'sudo', 'su', 'runuser', 'pg_ctlcluster', 'pg_createcluster', 'redis-server'];

/** A directory of fakes that log `name args` to `log` and exit 97 (a tripwire: "something tried to act"). */
function tripwires(name: string): { bin: string; log: string } {
  const bin = join(dir, `${name}-tripwires`);
  const log = join(dir, `${name}-tripwires.log`);
  mkdirSync(bin);
  writeFileSync(log, '');
  for (const command of INSTALLERS) {
    writeFileSync(join(bin, command), `#!/bin/sh\necho "${command} $*" >> '${log}'\nexit 97\n`);
    chmodSync(join(bin, command), 0o755);
  }
  return { bin, log };
}

/** One directory of links to everything on the real PATH except `without` (first entry of a name wins, as in a lookup). */
function pathWithout(name: string, without: readonly string[]): string {
  const bin = join(dir, `${name}-path`);
  mkdirSync(bin);
  for (const source of REAL_PATH.split(delimiter)) {
    if (!source || !existsSync(source)) continue;
    for (const entry of readdirSync(source)) {
      if (without.includes(entry) || existsSync(join(bin, entry))) continue;
      try {
        if (statSync(join(source, entry)).isFile()) symlinkSync(join(source, entry), join(bin, entry));
      } catch {
        // a dangling link on the real PATH: not a command anyone can run either
      }
    }
  }
  return bin;
}

/** A stand-in for an installed Chromium: the script only checks that an executable is there. */
function stubChromium(): string {
  const file = join(dir, 'chromium-stub');
  writeFileSync(file, '#!/bin/sh\necho "Chromium 0.0 (stub)"\n');
  chmodSync(file, 0o755);
  return file;
}

function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command from the repository root with the inherited environment (so PORTCULLIS_TEST_PG_URL
 * and PORTCULLIS_TEST_REDIS_URL still name the services the tests use) minus the script's own knobs,
 * plus `env`. A hang is killed after 60 s: that is a guard, not a timing assertion.
 */
function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PORTCULLIS_SERVICES_') && key !== 'PORTCULLIS_CHROMIUM') base[key] = value;
  }
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...base, npm_config_update_notifier: 'false', ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

const runScript = (env: Record<string, string>) => run('bash', [SCRIPT], env);

/** The "missing" lines: indented, one per thing, after the header on stderr. */
function missingLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('  '));
}

const NOT_ROOT = { PORTCULLIS_SERVICES_UID: '1000' };

describe('scripts/test-services.sh', () => {
  it('(a) everything present, as root who could install: probes, installs and starts nothing, exits 0', async () => {
    const trip = tripwires('present');
    const result = await runScript({ PATH: `${trip.bin}${delimiter}${REAL_PATH}`, PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: stubChromium() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^test-services: ready: PostgreSQL postgres:\/\/\S+, Redis redis:\/\/\S+, Chromium \S+chromium-stub$/)]);
    expect(readFileSync(trip.log, 'utf8')).toBe('');
  });

  it('(b) Chromium absent, not root, no sudo, no apt-get: exit 1 with one line naming chromium and its install command — and `npm test` stops there', async () => {
    const env = {
      ...NOT_ROOT,
      PATH: pathWithout('fresh', ['sudo', 'apt-get', 'apt']),
      PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: join(dir, 'no-chromium-here'),
    };
    const result = await runScript(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^test-services: the tests cannot run; missing, one line each with what provides it \(this user cannot install or start them: not root, no passwordless sudo\):$/m);
    expect(missingLines(result.stderr)).toEqual([`  chromium: no executable at ${join(dir, 'no-chromium-here')} — install it: sudo apt-get install -y chromium`]);

    // The same machine through the front door: the script's lines, then nothing — no type-check, no vitest.
    // (Reached only when the script refused above, so it can never start a nested full test run.)
    const npm = await run('npm', ['test'], env);
    expect(npm.code).not.toBe(0);
    expect(npm.stderr).toContain('chromium: no executable at');
    expect(npm.stderr).toContain('apt-get install -y chromium');
    const output = npm.stdout + npm.stderr;
    expect(output).not.toMatch(/^> portcullis@\S+ typecheck$/m);
    expect(output).not.toMatch(/\bRUN\s+v\d/);
  });

  it('(c) a PostgreSQL URL that refuses: exit 1, one clear line naming the URL (password masked), local services untouched', async () => {
    const port = await closedPort();
    const trip = tripwires('refused');
    const result = await runScript({
      PATH: `${trip.bin}${delimiter}${REAL_PATH}`,
      PORTCULLIS_TEST_PG_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/test`,
      PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: stubChromium(),
    });
    expect(result.code).toBe(1);
    expect(missingLines(result.stderr)).toEqual([
      `  postgresql: nothing answers at postgres://postgres:***@127.0.0.1:${port}/test (PORTCULLIS_TEST_PG_URL): connect ECONNREFUSED 127.0.0.1:${port} — start that server, or unset PORTCULLIS_TEST_PG_URL to use postgres://postgres@127.0.0.1:5432/test`,
    ]);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    expect(readFileSync(trip.log, 'utf8')).toBe('');
  });

  it('(c) the local PostgreSQL refusing, not root: exit 1, one line with the command that installs or starts it', async () => {
    const port = await closedPort();
    const result = await runScript({
      ...NOT_ROOT,
      PATH: pathWithout('local-pg', ['sudo', 'apt-get', 'apt']),
      PORTCULLIS_SERVICES_PG_PORT: String(port),
      PORTCULLIS_SERVICES_PG_CLUSTER: 'frontdoor_test',
      PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: stubChromium(),
    });
    expect(result.code).toBe(1);
    const lines = missingLines(result.stderr);
    expect(lines).toHaveLength(1);
    // Which command depends on what this machine has: no server package, or no cluster on that port.
    expect(lines[0]).toMatch(
      new RegExp(`^  postgresql: .*127\\.0\\.0\\.1:${port}.* — (install it: sudo apt-get install -y postgresql|create and start one: sudo pg_createcluster \\S+ frontdoor_test --port ${port} --start)`),
    );
  });

  it('root with apt-get: installs what is missing (a recording apt-get stands in) and carries on', async () => {
    const trip = tripwires('install');
    const fakeApt = join(dir, 'fake-apt');
    const aptLog = join(dir, 'fake-apt.log');
    const chromium = join(dir, 'installed-chromium');
    mkdirSync(fakeApt);
    // "Installs" chromium by creating the executable where the package would put it.
    writeFileSync(
      join(fakeApt, 'apt-get'),
      `#!/bin/sh\necho "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> '${aptLog}'\n` +
        `case "$*" in *"install -y chromium"*) printf '#!/bin/sh\\necho Chromium 0.0\\n' > '${chromium}'; chmod 755 '${chromium}';; esac\n`,
    );
    chmodSync(join(fakeApt, 'apt-get'), 0o755);
    const result = await runScript({ PATH: [fakeApt, trip.bin, REAL_PATH].join(delimiter), PORTCULLIS_SERVICES_DEBIAN_CHROMIUM: chromium, DEBIAN_FRONTEND: '' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(aptLog, 'utf8').trim().split('\n')).toEqual(['apt-get update DEBIAN_FRONTEND=', 'apt-get install -y chromium DEBIAN_FRONTEND=noninteractive']);
    expect(result.stdout).toContain('test-services: installed Chromium 0.0');
    expect(readFileSync(trip.log, 'utf8')).toBe('');
  });
});
