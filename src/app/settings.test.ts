import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../index.ts';
import { readAppConfig, readServerSettings } from './settings.ts';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('readServerSettings', () => {
  it('defaults everything from an empty environment', () => {
    expect(readServerSettings({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/portcullis.db',
      dataDir: resolve('data'),
      redisUrl: null,
      smtpUrl: null,
      mailOutbox: './data/outbox.jsonl',
      logLevel: 'info',
      tls: null,
      httpRedirectPort: null,
      redisKeyPrefix: 'portcullis',
      accessTokenKeyFile: null,
      metrics: { enabled: false, token: null },
    });
  });

  it('reads every server variable of API.md', () => {
    expect(
      readServerSettings({
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://app@db.internal:5432/app',
        REDIS_URL: 'rediss://cache.internal:6380',
        SMTP_URL: 'smtp://mail.internal:2525',
        MAIL_OUTBOX: '/tmp/outbox.jsonl',
        LOG_LEVEL: 'debug',
        TLS_CERT: '/etc/tls/cert.pem',
        TLS_KEY: '/etc/tls/key.pem',
        HTTP_REDIRECT_PORT: '8081',
        REDIS_KEY_PREFIX: 'myapp',
        ACCESS_TOKEN_KEY_FILE: '/etc/portcullis/keys.pem',
        METRICS: 'on',
        METRICS_TOKEN: 'scrape-token-0123456789',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://app@db.internal:5432/app',
      dataDir: resolve('data'),
      redisUrl: 'rediss://cache.internal:6380',
      smtpUrl: 'smtp://mail.internal:2525',
      mailOutbox: '/tmp/outbox.jsonl',
      logLevel: 'debug',
      tls: { certPath: '/etc/tls/cert.pem', keyPath: '/etc/tls/key.pem' },
      httpRedirectPort: 8081,
      redisKeyPrefix: 'myapp',
      accessTokenKeyFile: '/etc/portcullis/keys.pem',
      metrics: { enabled: true, token: 'scrape-token-0123456789' },
    });
  });

  it.each([['sqlite:/var/lib/app.db'], ['postgres://u@h/db'], ['postgresql://u:p@h:5433/db']])('accepts DATABASE_URL %j', (url) => {
    expect(readServerSettings({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('keeps the data directory beside a SQLite file', () => {
    expect(readServerSettings({ DATABASE_URL: 'sqlite:/var/lib/portcullis/app.db' }).dataDir).toBe('/var/lib/portcullis');
    expect(readServerSettings({ DATABASE_URL: 'sqlite::memory:' }).dataDir).toBe(resolve('data'));
  });

  it('refuses TLS_CERT without TLS_KEY, naming the missing one', () => {
    expect(configError(() => readServerSettings({ TLS_CERT: '/etc/tls/cert.pem' })).setting).toBe('TLS_KEY');
    expect(configError(() => readServerSettings({ TLS_KEY: '/etc/tls/key.pem' })).setting).toBe('TLS_CERT');
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['PORT', '80.5'],
    ['HTTP_REDIRECT_PORT', '-1'],
    ['DATABASE_URL', 'mysql://u@h/db'],
    ['REDIS_URL', 'http://cache'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['LOG_LEVEL', 'verbose'],
    ['METRICS', 'maybe'],
    ['METRICS_TOKEN', 'short'],
  ])('refuses %s=%j in one line naming it', (variable, value) => {
    const error = configError(() => readServerSettings({ [variable]: value }));
    expect([error.setting, error.variable, error.path]).toEqual([variable, variable, null]);
    expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${variable} must `));
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('never echoes a URL or token it refuses (they may carry passwords)', () => {
    expect(configError(() => readServerSettings({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).message).not.toContain('hunter2');
    expect(configError(() => readServerSettings({ METRICS_TOKEN: 'hunter2' })).message).not.toContain('hunter2');
    expect(configError(() => readServerSettings({ PORT: 'eighty' })).message).toBe('Invalid configuration: PORT must be a whole number from 1 to 65535 (got "eighty")');
  });
});

describe('readAppConfig', () => {
  it('derives PUBLIC_URL from HOST and PORT outside production, brackets IPv6', () => {
    expect(readAppConfig({}).auth.publicOrigin).toBe('http://127.0.0.1:3000');
    expect(readAppConfig({ PORT: '8443', HOST: 'localhost' }).auth.publicOrigin).toBe('http://localhost:8443');
    expect(readAppConfig({ HOST: '::1' }).auth.publicOrigin).toBe('http://[::1]:3000');
    expect(readAppConfig({ NODE_ENV: 'production' }).auth.publicOrigin).toBeUndefined();
    expect(readAppConfig({ PUBLIC_URL: 'https://example.com' }).auth.publicOrigin).toBe('https://example.com');
  });

  it('hands the library its options and keeps the server settings out of them', () => {
    const { server, auth } = readAppConfig({ PORT: '8080', SMTP_URL: 'smtp://mail:25', SESSION_PROTECTION: 'strong', SECRET_KEY: 'x'.repeat(40) });
    expect(server).toMatchObject({ port: 8080, smtpUrl: 'smtp://mail:25' });
    expect(auth).toEqual({ publicOrigin: 'http://127.0.0.1:8080', session: { protection: 'strong' }, secretKey: 'x'.repeat(40) });
  });
});
