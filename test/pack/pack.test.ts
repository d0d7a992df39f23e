/**
 * The package as a user gets it: `npm run build`, `npm pack ./dist`, install the tarball in an empty
 * project (dependencies from the registry), then use it from plain JavaScript — no TypeScript, no
 * tsx — and run its CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

describe('npm pack → install in an empty project', () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-pack-'));
  const project = join(work, 'app');

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
    npm(['pack', join(ROOT, 'dist'), '--pack-destination', work], ROOT);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack made no tarball');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-app', version: '1.0.0', type: 'module', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), 'hono@4'], project);
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships JavaScript and declarations only, no TypeScript sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!)], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/index.js');
    expect(files).toContain('package/index.d.ts');
    expect(files).toContain('package/adapters/hono/index.js');
    expect(files).toContain('package/app/static/style.css');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
  });

  it('works from plain JavaScript: register, log in, reach a guarded route', () => {
    writeFileSync(
      join(project, 'main.js'),
      `import { Hono } from 'hono';
import { createAuth, createSqlStores } from 'portcullis';
import { honoAuth } from 'portcullis/hono';
const stores = await createSqlStores('sqlite::memory:');
const auth = createAuth({ stores, secretKey: 'a'.repeat(10) + 'b8Fq2LzX9vK3mN7pR1sT5wY0cE4gH6jU', environment: 'test', publicOrigin: 'http://localhost' });
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
