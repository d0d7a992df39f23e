/**
 * `portcullis doctor`: a risky production environment gives the expected findings and exit 1, a
 * good one exit 0 — as a child process with --json parsed — plus each rule on its own (in process).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPem } from '../../src/index.ts';
import { diagnose, type Finding } from '../../src/cli/doctor-checks.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-doctor-'));
const keyFile = join(dir, 'token-key.pem');
writeFileSync(keyFile, await generateSigningKeyPem());

/** What a careful production deployment sets. */
const GOOD: Record<string, string> = {
  NODE_ENV: 'production',
  SECRET_KEY: 'q5Vd0n8mJr2cX7kLwT4yHb9sPz6aFe1uGi3oNx0QvRt8EmYc',
  PUBLIC_URL: 'https://app.example.com',
  DATABASE_URL: 'postgres://portcullis@db.internal:5432/portcullis',
  REDIS_URL: 'redis://cache.internal:6379',
  TRUST_PROXY: 'loopback',
  ACCESS_TOKEN_KEY_FILE: keyFile,
  SMTP_URL: 'smtps://mailer:pw@mail.example.com',
  PASSWORD_MIN_LENGTH: '15',
  WEB_CONCURRENCY: '4',
};

/** Every seeded misconfiguration at once. */
const RISKY: Record<string, string> = {
  NODE_ENV: 'production',
  SECRET_KEY: 'changeme-changeme-changeme-changeme',
  PUBLIC_URL: 'http://app.example.com',
  FORCE_HTTPS: 'false',
  TRUST_PROXY: '0.0.0.0/0',
  AUTH_RATE_LIMIT_LOGIN: '100/1m',
  AUTH_LOCKOUT_THRESHOLD: '50',
  AUTH_LOCKOUT_MAX_DELAY: '30s',
  SESSION_PROTECTION: 'off',
  CSRF_MECHANISMS: 'basic',
  CSRF_TRUSTED_ORIGINS: 'http://legacy.example.com',
  DATABASE_URL: 'sqlite:./data/app.db',
  WEB_CONCURRENCY: '4',
  PASSWORD_BREACH_CHECK: 'off',
  PASSWORD_MIN_LENGTH: '6',
  ACCESS_TOKEN_TTL: '1d',
  TOKEN_STATE_CACHE_TTL: '10m',
};

const ids = (findings: readonly Finding[]) => findings.map((f) => `${f.severity}:${f.id}:${f.setting}`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('portcullis doctor (child process)', { timeout: 120_000 }, () => {
  it('finds every seeded misconfiguration in a risky production environment, exit 1', async () => {
    const result = await runCli(['doctor', '--json'], { env: RISKY });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: Finding[]; ok: boolean };
    expect(report.ok).toBe(false);
    expect(ids(report.findings).sort()).toEqual(
      [
        'error:secret-key-weak:SECRET_KEY',
        'warning:force-https-off:FORCE_HTTPS',
        'error:public-url-not-https:PUBLIC_URL',
        'error:trust-proxy-everyone:TRUST_PROXY',
        'warning:rate-limit-raised:AUTH_RATE_LIMIT_LOGIN',
        'warning:lockout-threshold-high:AUTH_LOCKOUT_THRESHOLD',
        'warning:lockout-max-delay-short:AUTH_LOCKOUT_MAX_DELAY',
        'warning:session-protection-off:SESSION_PROTECTION',
        'error:csrf-session-off:CSRF_MECHANISMS',
        'warning:csrf-trusted-origin-http:CSRF_TRUSTED_ORIGINS',
        'warning:sqlite-multi-process:DATABASE_URL',
        'error:redis-missing-multi-process:REDIS_URL',
        'warning:breach-check-off:PASSWORD_BREACH_CHECK',
        'error:password-min-length-low:PASSWORD_MIN_LENGTH',
        'error:access-token-key-file-missing:ACCESS_TOKEN_KEY_FILE',
        'warning:access-token-ttl-long:ACCESS_TOKEN_TTL',
        'warning:token-state-cache-long:TOKEN_STATE_CACHE_TTL',
        'warning:smtp-missing:SMTP_URL',
      ].sort(),
    );
    // Errors first; every finding says how to fix it; the secret itself is never printed.
    expect(report.findings[0]?.severity).toBe('error');
    for (const finding of report.findings) expect(finding.fix.length).toBeGreaterThan(5);
    expect(result.stdout).not.toContain(RISKY.SECRET_KEY);
  });

  it('passes a good production environment: exit 0, ok true, no findings', async () => {
    const json = await runCli(['doctor', '--json'], { env: GOOD });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ findings: [], ok: true });
    const text = await runCli(['doctor'], { env: GOOD });
    expect(text).toMatchObject({ code: 0, stdout: 'No problems found.\n', stderr: '' });
  });

  it('prints findings for people, and reports a configuration error as a finding (the server would not start)', async () => {
    const result = await runCli(['doctor'], { env: { ...GOOD, AUTH_LOCKOUT_BASE_DELAY: 'soon', PASSWORD_MIN_LENGTH: '12' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ERROR +AUTH_LOCKOUT_BASE_DELAY +\[config-invalid\]\n +lockout\.baseDelayMs \(AUTH_LOCKOUT_BASE_DELAY\) must be a duration/);
    expect(result.stdout).toMatch(/INFO +PASSWORD_MIN_LENGTH +\[password-min-length-no-mfa\]\n.*\n +fix: Set PASSWORD_MIN_LENGTH=15/);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 error, 0 warnings, 1 note.');
  });

  it('--processes counts the processes when nothing in the environment says; a bad value is a usage error', async () => {
    const single = { ...GOOD, WEB_CONCURRENCY: '1', REDIS_URL: '' };
    expect((await runCli(['doctor'], { env: single })).code).toBe(0);
    const many = await runCli(['doctor', '--json', '--processes', '3'], { env: single });
    expect(many.code).toBe(1);
    expect(ids((JSON.parse(many.stdout) as { findings: Finding[] }).findings)).toEqual(['error:redis-missing-multi-process:REDIS_URL']);
    const bad = await runCli(['doctor', '--processes', 'many'], { env: single });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

describe('doctor rules (in process)', () => {
  const only = (env: Record<string, string>, options = {}) => ids(diagnose({ ...GOOD, ...env }, options));

  it('TRUST_PROXY: a hop count and wide ranges are flagged, loopback and narrow ranges are not', () => {
    expect(only({ TRUST_PROXY: '1' })).toEqual(['warning:trust-proxy-hops:TRUST_PROXY']);
    expect(only({ TRUST_PROXY: '10.0.0.0/8,192.168.1.0/24' })).toEqual([]);
    expect(only({ TRUST_PROXY: '10.0.0.0/7' })).toEqual(['warning:trust-proxy-wide:TRUST_PROXY']);
    expect(only({ TRUST_PROXY: 'loopback,::/0' })).toEqual(['error:trust-proxy-everyone:TRUST_PROXY']);
    expect(only({ TRUST_PROXY: '2001:db8::/16' })).toEqual(['warning:trust-proxy-wide:TRUST_PROXY']);
    expect(only({ TRUST_PROXY: 'false' })).toEqual([]);
  });

  it('verified identity: relaxed confirmation in production and a raised mail budget are flagged', () => {
    expect(only({ EMAIL_CONFIRMATION: 'optional' })).toEqual(['warning:email-confirmation-relaxed:EMAIL_CONFIRMATION']);
    expect(only({ EMAIL_CONFIRMATION: 'off' })).toEqual(['warning:email-confirmation-relaxed:EMAIL_CONFIRMATION']);
    expect(only({ EMAIL_CONFIRMATION: 'required' })).toEqual([]);
    expect(only({ MAIL_RECIPIENT_BUDGET: '10/1h' })).toEqual(['warning:mail-recipient-budget-raised:MAIL_RECIPIENT_BUDGET']);
    expect(only({ MAIL_RECIPIENT_BUDGET: '1/1h' })).toEqual([]);
  });

  it('TRUST_PROXY_HEADER=forwarded is flagged behind a trusted proxy; the default header is not', () => {
    expect(only({ TRUST_PROXY: 'loopback', TRUST_PROXY_HEADER: 'forwarded' })).toEqual(['warning:trust-proxy-header-forwarded:TRUST_PROXY_HEADER']);
    expect(only({ TRUST_PROXY: 'loopback', TRUST_PROXY_HEADER: 'x-forwarded-for' })).toEqual([]);
    expect(only({ TRUST_PROXY: 'false', TRUST_PROXY_HEADER: 'forwarded' })).toEqual([]);
  });

  it('AUTH_CLIENT_CHECKS_IN_FLIGHT above the default is flagged', () => {
    expect(only({ AUTH_CLIENT_CHECKS_IN_FLIGHT: '64' })).toEqual(['warning:client-checks-in-flight-raised:AUTH_CLIENT_CHECKS_IN_FLIGHT']);
    expect(only({ AUTH_CLIENT_CHECKS_IN_FLIGHT: '4' })).toEqual([]);
  });

  it('secrets: missing or weak is an error in production; unset in development is a note', () => {
    expect(only({ SECRET_KEY: '' })).toEqual(['error:secret-key-missing:SECRET_KEY']);
    expect(only({ SECRET_KEY: 'short' })).toEqual(['error:secret-key-weak:SECRET_KEY']);
    const dev = ids(diagnose({ DATABASE_URL: 'sqlite:./data/app.db' }));
    expect(dev.sort()).toEqual(['info:dev-mail-on:SMTP_URL', 'info:not-production:NODE_ENV', 'info:password-min-length-no-mfa:PASSWORD_MIN_LENGTH', 'info:secret-key-generated:SECRET_KEY']);
  });

  it('MFA_REMEMBER_DEVICE: off (default) and on (30d) are quiet; longer than 90 days is a warning', () => {
    expect(only({ MFA_REMEMBER_DEVICE: 'off' })).toEqual([]);
    expect(only({ MFA_REMEMBER_DEVICE: 'on' })).toEqual([]);
    expect(only({ MFA_REMEMBER_DEVICE: '90d' })).toEqual([]);
    expect(only({ MFA_REMEMBER_DEVICE: '180d' })).toEqual(['warning:remember-device-long:MFA_REMEMBER_DEVICE']);
  });

  it('rate limits: raised counts or shorter windows are flagged, tighter ones are not', () => {
    expect(only({ AUTH_RATE_LIMIT_REGISTER: '3/1m' })).toEqual(['warning:rate-limit-raised:AUTH_RATE_LIMIT_REGISTER']);
    expect(only({ AUTH_RATE_LIMIT_LOGIN: '3/5m', AUTH_RATE_LIMIT_REFRESH: '10/2m' })).toEqual([]);
    expect(only({ AUTH_IP_FAILURE_BUDGET: '1000/1h' })).toEqual(['warning:rate-limit-raised:AUTH_IP_FAILURE_BUDGET']);
  });

  it('several processes: pm2 (NODE_APP_INSTANCE) and WEB_CONCURRENCY need Redis; SQLite is flagged', () => {
    expect(only({ WEB_CONCURRENCY: '1', NODE_APP_INSTANCE: '0', REDIS_URL: '', DATABASE_URL: 'sqlite:/srv/app.db' })).toEqual([
      'error:redis-missing-multi-process:REDIS_URL',
      'warning:sqlite-multi-process:DATABASE_URL',
    ]);
  });

  it('production-only rules stay quiet outside production; universal ones do not', () => {
    const dev = ids(diagnose({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000', PASSWORD_BREACH_CHECK: 'off', ACCESS_TOKEN_TTL: '2h', PASSWORD_MIN_STRENGTH: '0' }));
    expect(dev.sort()).toEqual([
      'info:dev-mail-on:SMTP_URL',
      'info:not-production:NODE_ENV',
      'info:password-min-length-no-mfa:PASSWORD_MIN_LENGTH',
      'info:secret-key-generated:SECRET_KEY',
      'warning:access-token-ttl-long:ACCESS_TOKEN_TTL',
      'warning:password-strength-low:PASSWORD_MIN_STRENGTH',
    ]);
  });

  it('the development outbox (/dev/mail): a note on a loopback HOST, a warning on one others reach, nothing with SMTP_URL or in production', () => {
    const dev = (env: Record<string, string>) => ids(diagnose({ NODE_ENV: 'development', DATABASE_URL: 'sqlite:./data/app.db', ...env })).filter((id) => id.includes(':dev-mail-on:'));
    expect(dev({})).toEqual(['info:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: 'localhost' })).toEqual(['info:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: '::1' })).toEqual(['info:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: '0.0.0.0' })).toEqual(['warning:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: '::' })).toEqual(['warning:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: '0.0.0.0', NODE_ENV: 'test' })).toEqual(['warning:dev-mail-on:SMTP_URL']);
    expect(dev({ HOST: '0.0.0.0', SMTP_URL: 'smtp://mail.internal:25' })).toEqual([]);
    expect(only({ SMTP_URL: '', HOST: '0.0.0.0' }).filter((id) => id.includes('dev-mail'))).toEqual([]);
  });

  it('OAUTH_AUTOLINK=verified is a warning (a relaxation of the linking rules); off is not', () => {
    expect(only({ OAUTH_AUTOLINK: 'verified' })).toEqual(['warning:oauth-autolink-verified:OAUTH_AUTOLINK']);
    expect(only({ OAUTH_AUTOLINK: 'off' })).toEqual([]);
  });

  it('BOOTSTRAP_ADMIN_EMAIL is a warning while it is set, in every environment', () => {
    expect(only({ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' })).toEqual(['warning:bootstrap-admin-email-set:BOOTSTRAP_ADMIN_EMAIL']);
    expect(ids(diagnose({ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com', DATABASE_URL: 'sqlite:./data/app.db' }))).toContain('warning:bootstrap-admin-email-set:BOOTSTRAP_ADMIN_EMAIL');
    expect(only({})).toEqual([]);
  });

  it('files that do not exist and a missing PUBLIC_URL are errors (the server would refuse to start)', () => {
    expect(only({ ACCESS_TOKEN_KEY_FILE: join(dir, 'absent.pem'), PUBLIC_URL: '' })).toEqual([
      'error:public-url-missing:PUBLIC_URL',
      'error:file-missing:ACCESS_TOKEN_KEY_FILE',
    ]);
  });

  it('reports every bad variable, not just the first', () => {
    expect(only({ PORT: 'eighty', SESSION_PROTECTION: 'paranoid', FORCE_HTTPS: 'maybe' })).toEqual([
      'error:config-invalid:PORT',
      'error:config-invalid:FORCE_HTTPS',
      'error:config-invalid:SESSION_PROTECTION',
    ]);
  });
});
