/**
 * @module Attack suite — native TLS: the real server (TLS_CERT / TLS_KEY) and a real node:tls client
 * that forces one protocol or suite at a time. TLS 1.2 without forward secrecy or with CBC, and
 * anything older than TLS 1.2, fail the handshake; ECDHE + AEAD and TLS 1.3 succeed, and the
 * server's preference decides the suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app/start.ts';

type Handshake = { readonly ok: true; readonly protocol: string | null; readonly cipher: string } | { readonly ok: false; readonly error: string };

/** One TLS handshake with the client options given; never throws. */
function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((settle) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...options });
    socket.once('secureConnect', () => {
      settle({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.end();
    });
    socket.once('error', (error) => settle({ ok: false, error: error.message }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const TLS12: ConnectionOptions = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };

describe('native TLS offers only TLS 1.2 ECDHE + AEAD and TLS 1.3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-policy-'));
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    // An RSA and an ECDSA certificate would each need their own server; RSA is what most deployments use.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    port = await freePort();
    server = await startServer(
      { PORT: String(port), TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem'), PUBLIC_URL: 'https://localhost', DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, SMTP_URL: 'smtp://127.0.0.1:1' },
      pino({ level: 'silent' }),
    );
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses TLS 1.2 suites without forward secrecy (static RSA key exchange)', async () => {
    for (const cipher of ['AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA256', 'AES256-SHA256']) {
      const result = await handshake(port, { ...TLS12, ciphers: cipher });
      expect(result.ok, `${cipher}: ${JSON.stringify(result)}`).toBe(false);
    }
  });

  it('refuses TLS 1.2 CBC suites, even with ECDHE or DHE', async () => {
    for (const cipher of ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES128-SHA256', 'DHE-RSA-AES256-GCM-SHA384']) {
      const result = await handshake(port, { ...TLS12, ciphers: cipher });
      expect(result.ok, `${cipher}: ${JSON.stringify(result)}`).toBe(false);
    }
  });

  it('refuses TLS 1.1 and TLS 1.0', async () => {
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      // SECLEVEL=0: OpenSSL 3's client would not even offer these otherwise; the server must refuse them itself.
      const result = await handshake(port, { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
      expect(result.ok, `${version}: ${JSON.stringify(result)}`).toBe(false);
    }
  });

  it('accepts TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305, and TLS 1.3', async () => {
    for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
      expect(await handshake(port, { ...TLS12, ciphers: cipher }), cipher).toEqual({ ok: true, protocol: 'TLSv1.2', cipher });
    }
    const modern = await handshake(port, {});
    expect(modern).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('the server’s order decides: a client listing ChaCha20 and AES-256 first still gets AES-128-GCM', async () => {
    const result = await handshake(port, { ...TLS12, ciphers: 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256' });
    expect(result).toEqual({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
  });

  it('a client offering weak and good suites together gets a good one', async () => {
    const result = await handshake(port, { ...TLS12, ciphers: 'AES128-SHA:ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384' });
    expect(result).toEqual({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' });
  });
});
