/** `portcullis users|roles|sessions …` as a child process, checked through `auth` on the same database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/index.ts';
import { CLIENT, expectOneLineError, openAuth, runCli, tempDatabase } from './run-cli.ts';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet submarine reads quietly';

describe('portcullis users, roles, sessions', { timeout: 120_000 }, () => {
  const db = tempDatabase();
  let opened: Awaited<ReturnType<typeof openAuth>>;

  beforeAll(async () => {
    const migrated = await runCli(['migrate'], { env: db.env });
    expect(migrated).toMatchObject({ code: 0, stderr: '' });
    expect(migrated.stdout).toMatch(/^Applied: 0001-/);
    opened = await openAuth(db.url);
  });

  afterAll(async () => {
    await opened?.close();
    db.remove();
  });

  it('creates a user from --password-stdin who then logs in through auth; the password is never echoed', async () => {
    const created = await runCli(['users', 'create', '--email', 'Ann@Example.com', '--username', 'ann', '--password-stdin'], { env: db.env, input: PASSWORD + '\n' });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created user Ann@Example\.com \(id [0-9a-f]{32}\)\n$/);
    expect(created.stdout + created.stderr).not.toContain(PASSWORD);
    const session = await opened.auth.sessions.login({ email: 'ann@example.com', password: PASSWORD }, CLIENT);
    expect(session.principal.user.email).toBe('Ann@Example.com');
    expect((await opened.stores.users.findUserByEmailKey('ann@example.com'))?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('applies the password policy: a breached password is refused in one line, exit 1, nothing created', async () => {
    const result = await runCli(['users', 'create', '--email', 'weak@example.com', '--password-stdin'], { env: db.env, input: 'password\n' });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr);
    expect(result.stderr).toMatch(/^error: password: /);
    expect(result.stdout).toBe('');
    expect(await opened.stores.users.findUserByEmailKey('weak@example.com')).toBeUndefined();
  });

  it('refuses usage mistakes with exit 2: no password source, both sources, a missing --email, an unknown command', async () => {
    const none = await runCli(['users', 'create', '--email', 'x@example.com'], { env: db.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--password-stdin');
    const both = await runCli(['users', 'create', '--email', 'x@example.com', '--password', PASSWORD, '--password-stdin'], { env: db.env, input: PASSWORD });
    expect(both.code).toBe(2);
    expect(both.stderr).not.toContain(PASSWORD);
    expect((await runCli(['users', 'create'], { env: db.env })).code).toBe(2);
    expect((await runCli(['users', 'frobnicate'], { env: db.env })).code).toBe(2);
    expect((await runCli(['users', 'list', '--limit', 'lots'], { env: db.env })).code).toBe(2);
    expect((await runCli(['--help'], { env: db.env })).code).toBe(0);
  });

  it('--password works (with a warning about shell history) and --role grants existing roles only', async () => {
    const unknown = await runCli(['users', 'create', '--email', 'bob@example.com', '--password', PASSWORD, '--role', 'editor'], { env: db.env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown role "editor"/);
    expect(await opened.stores.users.findUserByEmailKey('bob@example.com')).toBeUndefined();

    const role = await runCli(['roles', 'create', 'editor', '--description', 'Edits documents', '--permission', 'docs:write'], { env: db.env });
    expect(role).toMatchObject({ code: 0, stdout: 'Created role editor (permissions: docs:write)\n' });
    const created = await runCli(['users', 'create', '--email', 'bob@example.com', '--password', PASSWORD, '--role', 'editor'], { env: db.env });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('roles: editor');
    expect(created.stdout).not.toContain(PASSWORD);
    expect(created.stderr).toMatch(/^warning: --password leaves the password in your shell history/);
    const session = await opened.auth.sessions.login({ email: 'bob@example.com', password: PASSWORD }, CLIENT);
    expect(session.principal.authorization.permissions).toContain('docs:write');
    expect((await runCli(['roles', 'create', 'Bad Name'], { env: db.env })).code).toBe(2);
  });

  it('lists users as a table and as JSON, with search', async () => {
    const table = await runCli(['users', 'list'], { env: db.env });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^EMAIL\s+USERNAME\s+ROLES\s+ACTIVE/);
    expect(table.stdout).toContain('2 of 2 users');
    const json = await runCli(['users', 'list', '--search', 'ANN', '--json'], { env: db.env });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { users: Array<Record<string, unknown>>; total: number };
    expect(parsed.total).toBe(1);
    expect(parsed.users[0]).toMatchObject({ email: 'Ann@Example.com', username: 'ann', roles: [], active: true, lastLoginAt: expect.any(String) });
    expect(JSON.stringify(parsed)).not.toMatch(/argon2|password/i);
  });

  it('grants and revokes roles; an unknown user or an unheld role is exit 1', async () => {
    expect((await runCli(['roles', 'grant', 'editor', 'ANN@example.com'], { env: db.env })).stdout).toBe('Granted editor to Ann@Example.com\n');
    const user = await opened.stores.users.findUserByEmailKey('ann@example.com');
    expect((await opened.stores.roles.authorizationOfUser(user!.id)).roles).toEqual(['editor']);
    expect((await runCli(['roles', 'revoke', 'editor', 'ann@example.com'], { env: db.env })).code).toBe(0);
    expect((await opened.stores.roles.authorizationOfUser(user!.id)).roles).toEqual([]);
    const again = await runCli(['roles', 'revoke', 'editor', 'ann@example.com'], { env: db.env });
    expect(again.code).toBe(1);
    expectOneLineError(again.stderr);
    const nobody = await runCli(['roles', 'grant', 'editor', 'nobody@example.com'], { env: db.env });
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('error: No user with e-mail "nobody@example.com"\n');
    const roles = await runCli(['roles', 'list', '--json'], { env: db.env });
    expect(JSON.parse(roles.stdout)).toEqual({ roles: [{ name: 'editor', description: 'Edits documents', permissions: ['docs:write'] }] });
  });

  it('sessions revoke --user ends every session of the user, and only theirs', async () => {
    const a1 = await opened.auth.sessions.login({ email: 'ann@example.com', password: PASSWORD }, CLIENT);
    await opened.auth.sessions.login({ email: 'ann@example.com', password: PASSWORD }, CLIENT);
    const bob = await opened.auth.sessions.login({ email: 'bob@example.com', password: PASSWORD }, CLIENT);
    const result = await runCli(['sessions', 'revoke', '--user', 'ann@example.com'], { env: db.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Ended [2-9] sessions of Ann@Example\.com\n$/);
    expect(await opened.stores.sessions.listSessionsOfUser(a1.principal.user.id)).toEqual([]);
    expect((await opened.stores.sessions.listSessionsOfUser(bob.principal.user.id)).length).toBeGreaterThan(0);
    expect((await runCli(['sessions', 'revoke'], { env: db.env })).code).toBe(2);
  });

  it('set-password applies the policy, ends every session, and the new password logs in', async () => {
    const before = await opened.auth.sessions.login({ email: 'ann@example.com', password: PASSWORD }, CLIENT);
    const weak = await runCli(['users', 'set-password', 'ann@example.com', '--password-stdin'], { env: db.env, input: '12345678' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).not.toContain('12345678');
    const result = await runCli(['users', 'set-password', 'ann@example.com', '--password-stdin'], { env: db.env, input: NEW_PASSWORD + '\n' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).not.toContain(NEW_PASSWORD);
    expect(await opened.stores.sessions.listSessionsOfUser(before.principal.user.id)).toEqual([]);
    await expect(opened.auth.sessions.login({ email: 'ann@example.com', password: PASSWORD }, { ...CLIENT, ip: '10.9.8.8' })).rejects.toBeInstanceOf(AuthError);
    await opened.auth.sessions.login({ email: 'ann@example.com', password: NEW_PASSWORD }, CLIENT);
  });

  it('deactivate refuses logins and ends sessions; activate lets the user back in', async () => {
    const session = await opened.auth.sessions.login({ email: 'bob@example.com', password: PASSWORD }, CLIENT);
    const off = await runCli(['users', 'deactivate', 'bob@example.com'], { env: db.env });
    expect(off).toMatchObject({ code: 0, stdout: 'Deactivated bob@example.com (every session and token ended)\n' });
    expect(await opened.stores.sessions.listSessionsOfUser(session.principal.user.id)).toEqual([]);
    await expect(opened.auth.sessions.login({ email: 'bob@example.com', password: PASSWORD }, CLIENT)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await runCli(['users', 'activate', 'bob@example.com'], { env: db.env })).code).toBe(0);
    await opened.auth.sessions.login({ email: 'bob@example.com', password: PASSWORD }, { ...CLIENT, ip: '10.9.8.9' });
  });

  it('records the admin actions in the audit trail with the CLI as actor', async () => {
    const { records } = await opened.auth.admin.listAudit({ offset: 0, limit: 200 });
    const byCli = records.filter((r) => r.actorId === 'cli').map((r) => r.event);
    expect(byCli).toEqual(expect.arrayContaining(['role.granted', 'role.revoked', 'user.deactivated', 'user.activated', 'session.revoked']));
  });
});
