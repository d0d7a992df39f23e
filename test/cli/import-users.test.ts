/**
 * `portcullis import-users` with real legacy hashes — Werkzeug pbkdf2 and Django pbkdf2 computed
 * with the frameworks' own parameters, bcrypt from bcryptjs — and bad rows: each bad row is
 * reported with its reason, good rows import, the users log in and their hashes become argon2id.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bcryptHash } from '../../src/testing/bcrypt-hash.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/index.ts';
import { CLIENT, openAuth, runCli, tempDatabase, TEST_ACTOR } from './run-cli.ts';

const PASSWORDS = { flask: 'flask user passphrase 1', devise: 'devise user passphrase 2', django: 'django user passphrase 3', ours: 'argon user passphrase 4' };

/** werkzeug.security.generate_password_hash(password, 'pbkdf2:sha256:600000') — Werkzeug 3.0's default. */
function werkzeugPbkdf2(password: string): string {
  const salt = randomBytes(12).toString('base64url').slice(0, 16);
  return `pbkdf2:sha256:600000$${salt}$${pbkdf2Sync(password, salt, 600_000, 32, 'sha256').toString('hex')}`;
}

/** Django's PBKDF2PasswordHasher (Django 4.2: 600,000 iterations). */
function djangoPbkdf2(password: string): string {
  const salt = randomBytes(16).toString('base64url').slice(0, 22);
  return `pbkdf2_sha256$600000$${salt}$${pbkdf2Sync(password, salt, 600_000, 32, 'sha256').toString('base64')}`;
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

describe('portcullis import-users', { timeout: 120_000 }, () => {
  const db = tempDatabase();
  let opened: Awaited<ReturnType<typeof openAuth>>;
  const hashes: Record<keyof typeof PASSWORDS, string> = { flask: '', devise: '', django: '', ours: '' };
  let csvPath: string;

  beforeAll(async () => {
    opened = await openAuth(db.url);
    await opened.auth.admin.upsertRole(TEST_ACTOR, { name: 'editor', description: '', permissions: ['docs:write'] }, CLIENT);
    await opened.auth.admin.createUser({ email: 'taken@example.com', password: 'an existing account passphrase' }, CLIENT);
    hashes.flask = werkzeugPbkdf2(PASSWORDS.flask);
    hashes.devise = await bcryptHash(PASSWORDS.devise, { cost: 10, version: '2a' }); // Devise's $2a$, cost 10
    hashes.django = djangoPbkdf2(PASSWORDS.django);
    hashes.ours = await createPasswordHasher().hashPassword(PASSWORDS.ours);
    const rows = [
      ['email', 'username', 'password_hash', 'roles'],
      ['flask@example.com', 'flasky', hashes.flask, 'editor'],
      ['devise@example.com', '', hashes.devise, ''],
      ['django@example.com', 'djangonaut', hashes.django, ''],
      ['ours@example.com', '', hashes.ours, ''],
      ['dup@example.com', '', hashes.devise, ''],
      ['not-an-email', '', hashes.devise, ''],
      ['md5@example.com', '', '5f4dcc3b5aa765d61d8327deb882cf99', ''],
      ['DUP@example.com', '', hashes.flask, ''],
      ['taken@EXAMPLE.com', '', hashes.devise, ''],
      ['roles@example.com', '', hashes.devise, 'editor;wizard'],
    ];
    csvPath = join(db.dir, 'users.csv');
    writeFileSync(csvPath, rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n');
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
    db.remove();
  });

  const expectNoHash = (text: string) => {
    for (const hash of Object.values(hashes)) expect(text).not.toContain(hash);
    expect(text).not.toContain('5f4dcc3b5aa765d61d8327deb882cf99');
    expect(text).not.toMatch(/\$2[aby]\$\d\d\$|\$argon2id\$v=|pbkdf2:sha256:\d/);
  };

  it('--dry-run reports every row with its reason, writes nothing, and exits 1 because rows would be skipped', async () => {
    const result = await runCli(['import-users', csvPath, '--dry-run'], { env: db.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expectNoHash(result.stdout);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^line 2 +would-import +flask@example\.com \(werkzeug-pbkdf2\)$/),
      expect.stringMatching(/^line 3 +would-import +devise@example\.com \(bcrypt\)$/),
      expect.stringMatching(/^line 4 +would-import +django@example\.com \(django-pbkdf2\)$/),
      expect.stringMatching(/^line 5 +would-import +ours@example\.com \(argon2id\)$/),
      expect.stringMatching(/^line 6 +skipped +dup@example\.com: duplicate e-mail \(also on line 9\)$/),
      expect.stringMatching(/^line 7 +skipped +not-an-email: Enter a valid e-mail address$/),
      expect.stringMatching(/^line 8 +skipped +md5@example\.com: password_hash is not a recognised format/),
      expect.stringMatching(/^line 9 +skipped +DUP@example\.com: duplicate e-mail \(also on line 6\)$/),
      expect.stringMatching(/^line 10 +skipped +taken@EXAMPLE\.com: an account with this e-mail already exists$/),
      expect.stringMatching(/^line 11 +skipped +roles@example\.com: unknown role "wizard"$/),
      'Dry run: would import 4, skip 6 (of 10 rows); nothing was written.',
    ]);
    expect((await opened.auth.admin.listUsers({ offset: 0, limit: 100 })).total).toBe(1);
  });

  it('--all-or-nothing imports nothing when a row is bad', async () => {
    const result = await runCli(['import-users', csvPath, '--all-or-nothing'], { env: db.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Nothing imported: 6 of 10 rows would be skipped and --all-or-nothing is set.');
    expect((await opened.auth.admin.listUsers({ offset: 0, limit: 100 })).total).toBe(1);
  });

  it('imports the good rows as they are; each user logs in with the old password and is re-hashed to argon2id', async () => {
    const result = await runCli(['import-users', csvPath, '--json'], { env: db.env });
    expect(result.code).toBe(1);
    expectNoHash(result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { dryRun: boolean; imported: number; skipped: number; rows: Array<{ where: string; status: string; reason?: string }> };
    expect(report).toMatchObject({ dryRun: false, imported: 4, skipped: 6 });
    expect(report.rows.filter((row) => row.status === 'imported').map((row) => row.where)).toEqual(['line 2', 'line 3', 'line 4', 'line 5']);

    const flask = await opened.stores.users.findUserByEmailKey('flask@example.com');
    expect(flask?.passwordHash).toBe(hashes.flask);
    expect(flask?.username).toBe('flasky');
    expect((await opened.stores.roles.authorizationOfUser(flask!.id)).roles).toEqual(['editor']);

    for (const [name, email] of [['flask', 'FLASK@example.com'], ['devise', 'devise@example.com'], ['django', 'Django@Example.com'], ['ours', 'ours@example.com']] as const) {
      const session = await opened.auth.sessions.login({ email, password: PASSWORDS[name] }, CLIENT);
      expect(session.principal.user.email).toBe(email.toLowerCase());
      expect((await opened.stores.users.findUserByEmailKey(email.toLowerCase()))?.passwordHash).toMatch(/^\$argon2id\$/);
    }
    await expect(opened.auth.sessions.login({ username: 'djangonaut', password: 'wrong password entirely' }, { ...CLIENT, ip: '10.1.1.1' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await opened.auth.sessions.login({ username: 'djangonaut', password: PASSWORDS.django }, CLIENT);
  });

  it('a second run skips the users imported by the first (safe to re-run after a partial import)', async () => {
    const result = await runCli(['import-users', csvPath], { env: db.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/line 2 +skipped +flask@example\.com: an account with this e-mail already exists/);
    expect(result.stdout).toContain('Imported 0, skipped 10 (of 10 rows).');
  });

  it('reads a JSON array too, and exits 0 when every row imports', async () => {
    const jsonPath = join(db.dir, 'users.json');
    writeFileSync(jsonPath, JSON.stringify([{ email: 'json@example.com', username: 'jsonuser', password_hash: hashes.devise, roles: ['editor'] }]));
    const result = await runCli(['import-users', jsonPath], { env: db.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^item 1 +imported +json@example\.com \(bcrypt\)\nImported 1, skipped 0 \(of 1 row\)\./);
    await opened.auth.sessions.login({ email: 'json@example.com', password: PASSWORDS.devise }, CLIENT);
  });

  it('refuses a file it cannot read or parse in one line, exit 1; a bad header names the columns', async () => {
    const missing = await runCli(['import-users', join(db.dir, 'nope.csv')], { env: db.env });
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `error: Cannot read ${join(db.dir, 'nope.csv')}: ENOENT\n` });
    const badHeader = join(db.dir, 'bad.csv');
    writeFileSync(badHeader, 'mail,hash\nx@example.com,abc\n');
    const header = await runCli(['import-users', badHeader], { env: db.env });
    expect(header.code).toBe(1);
    expect(header.stderr).toBe('error: CSV header: unknown column "mail", "hash" (expected email,username,password_hash,roles)\n');
    const badJson = join(db.dir, 'bad.json');
    writeFileSync(badJson, '[{"email": ');
    expect((await runCli(['import-users', badJson], { env: db.env })).stderr).toBe('error: The file is not valid JSON\n');
    expect((await runCli(['import-users'], { env: db.env })).code).toBe(2);
  });
});
