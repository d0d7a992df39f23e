/**
 * The package as a user gets it: `npm run build` (here into a temporary folder, never the repo's
 * dist/), `npm pack` it, install the tarball in an empty project (dependencies from the registry)
 * with only the one driver it uses (better-sqlite3; pg, ioredis and nodemailer are optional peers
 * left out), then use it from plain JavaScript — no TypeScript, no tsx — and run its CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DRIVERS = ['better-sqlite3', 'pg', 'ioredis', 'nodemailer'];
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

describe('npm pack → install in an empty project', () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-pack-'));
  const project = join(work, 'app');
  const built = join(work, 'dist');

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', built], { cwd: ROOT, stdio: 'ignore' });
    npm(['pack', built, '--pack-destination', work], ROOT);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack made no tarball');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-app', version: '1.0.0', type: 'module', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), 'hono@4', 'better-sqlite3@^12'], project);
    copyFileSync(join(ROOT, 'test/pack/loaded-packages.mjs'), join(project, 'loaded-packages.mjs'));
  }, 600_000);

  /** The npm packages loaded while the installed project imports `specifiers` (test/pack/loaded-packages.mjs). */
  const loadedPackages = (...specifiers: string[]): string[] =>
    (JSON.parse(execFileSync(process.execPath, ['loaded-packages.mjs', ...specifiers], { cwd: project, encoding: 'utf8' }).trim().split('\n').at(-1)!) as { packages: string[] }).packages;

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships JavaScript and declarations only, no TypeScript sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!)], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/index.js');
    expect(files).toContain('package/index.d.ts');
    expect(files).toContain('package/adapters/hono/index.js');
    expect(files).toContain('package/app/static/style.css');
    for (const entry of ['sql', 'redis', 'mail', 'testing/index']) {
      expect(files).toContain(`package/${entry}.js`);
      expect(files).toContain(`package/${entry}.d.ts`);
    }
    // The repository's own test helpers stay out; portcullis/testing is the conformance suites.
    expect(files.filter((f) => /testing\/(test-database|test-redis|bcrypt-hash)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
  });

  it('declares the drivers as optional peers and needs no tsx; npm installed none of the unused drivers', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/portcullis/package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const driver of DRIVERS) {
      expect(manifest.dependencies).not.toHaveProperty(driver);
      expect(manifest.peerDependencies).toHaveProperty(driver);
      expect(manifest.peerDependenciesMeta?.[driver]).toEqual({ optional: true });
    }
    expect(manifest.dependencies).not.toHaveProperty('tsx');
    expect(Object.keys(manifest.exports!).sort()).toEqual(['.', './express', './fastify', './hono', './mail', './redis', './sql', './testing']);
    for (const driver of ['pg', 'ioredis', 'nodemailer', 'tsx']) expect(existsSync(join(project, 'node_modules', driver))).toBe(false);
  });

  it('`portcullis` and `portcullis/hono` load no driver (nor Kysely); the SQL and mail entry points load theirs only when used', () => {
    const fromMain = loadedPackages('portcullis', 'portcullis/hono');
    expect(fromMain).toContain('jose'); // the probe sees packages at all
    expect(fromMain.filter((name) => [...DRIVERS, 'kysely'].includes(name))).toEqual([]);
    expect(loadedPackages('portcullis/sql', 'portcullis/mail').filter((name) => [...DRIVERS, 'kysely'].includes(name))).toEqual(['kysely']);
  });

  it('an entry point whose driver is missing says which package to install', () => {
    writeFileSync(
      join(project, 'missing.js'),
      `import { createSqlStores } from 'portcullis/sql';
import { createOutboxMailer, createSmtpMailer, readOutbox } from 'portcullis/mail';
const messages = [];
await createSqlStores('postgres://127.0.0.1:1/none').catch((error) => messages.push(error.message));
try { createSmtpMailer('smtp://127.0.0.1:2525', 'a@example.com'); } catch (error) { messages.push(error.message); }
await import('portcullis/redis').catch((error) => messages.push(error.code));
await createOutboxMailer('outbox.jsonl').send({ to: 'b@example.com', subject: 'hi', text: 'hello' });
messages.push((await readOutbox('outbox.jsonl')).length);
console.log(JSON.stringify(messages));
`,
    );
    const out = execFileSync(process.execPath, ['missing.js'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual([
      expect.stringContaining('npm install pg@'),
      expect.stringContaining('npm install nodemailer@'),
      'ERR_MODULE_NOT_FOUND',
      1,
    ]);
  });

  it('works from plain JavaScript: register, log in, reach a guarded route', () => {
    writeFileSync(
      join(project, 'main.js'),
      `import { Hono } from 'hono';
import { createAuth } from 'portcullis';
import { honoAuth } from 'portcullis/hono';
import { createSqlStores } from 'portcullis/sql';
const stores = await createSqlStores('sqlite::memory:');
const auth = createAuth({ stores, secretKey: 'a'.repeat(10) + 'b8Fq2LzX9vK3mN7pR1sT5wY0cE4gH6jU', environment: 'test', publicOrigin: 'http://localhost', identity: { confirmation: 'off' } });
const pc = honoAuth(auth);
const app = new Hono();
app.use('*', pc.middleware);
app.onError(pc.onError);
app.route('/auth', pc.routes);
app.get('/hello', pc.required(), (c) => c.json({ hello: c.get('user').email }));
const json = { 'content-type': 'application/json', accept: 'application/json' };
const reg = await app.request('http://localhost/auth/register', { method: 'POST', headers: json, body: JSON.stringify({ email: 'ann@example.com', password: 'correct horse battery staple' }) });
const cookie = reg.headers.get('set-cookie').split(';')[0];
const hello = await app.request('http://localhost/hello', { headers: { cookie, accept: 'application/json' } });
const anonymous = await app.request('http://localhost/hello', { headers: { accept: 'application/json' } });
console.log(JSON.stringify({ register: reg.status, hello: await hello.json(), anonymous: anonymous.status }));
await auth.close();
await stores.close();
`,
    );
    const out = execFileSync(process.execPath, ['main.js'], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ register: 201, hello: { hello: 'ann@example.com' }, anonymous: 401 });
  });

  it('installs the `portcullis` command: doctor reports a risky production configuration with exit 1', () => {
    const result = spawnSync(join(project, 'node_modules/.bin/portcullis'), ['doctor', '--json'], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_ENV: 'production', SECRET_KEY: 'short', FORCE_HTTPS: 'false' },
    });
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: Array<{ setting: string; severity: string }> };
    expect(report.ok).toBe(false);
    expect(report.findings.some((f) => f.setting === 'SECRET_KEY' && f.severity === 'error')).toBe(true);
  });
});
