/**
 * @module Helpers for the password HTTP tests: a real SMTP server in-process (smtp-server) that
 * keeps what it receives, a decoder for the received message (quoted-printable included), a local
 * Have I Been Pwned range server that records what it was asked, a second app on the same stores,
 * and legacy hashes produced here with node:crypto / bcrypt following each original format.
 */
import { createHash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bcryptHash } from '../../src/testing/bcrypt-hash.ts';
import { SMTPServer } from 'smtp-server';
import { FixedClock, createAuth, type Auth, type CreateAuthOptions } from '../../src/index.ts';
import { createReferenceApp, type ReferenceAppOptions } from '../../src/app/server.tsx';
import type { SqlStores } from '../../src/stores/sql/index.ts';
import { Client, PUBLIC_ORIGIN, type ClientOptions, type TestApp } from './harness.ts';

// ---------------------------------------------------------------- SMTP

export interface ReceivedMail {
  readonly from: string | undefined;
  readonly to: string[];
  readonly raw: string;
}

export interface SmtpSink {
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Messages whose envelope recipient is `address` (case-insensitive). */
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((mail) => mail.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded text of a received message: headers unfolded, the body decoded (QP or base64). */
export function decodeMail(raw: string): { headers: string; text: string } {
  const split = /\r?\n\r?\n/.exec(raw);
  const headers = split ? raw.slice(0, split.index) : raw;
  let body = split ? raw.slice(split.index + split[0].length) : '';
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  // A multipart message: take the text/plain part.
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  let partHeaders = unfolded;
  if (boundary) {
    const parts = body.split(`--${boundary}`);
    const plain = parts.find((part) => /content-type:\s*text\/plain/i.test(part)) ?? parts[1] ?? '';
    const inner = /\r?\n\r?\n/.exec(plain);
    partHeaders = inner ? plain.slice(0, inner.index) : plain;
    body = inner ? plain.slice(inner.index + inner[0].length) : '';
  }
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(partHeaders)?.[1]?.toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  } else if (encoding === 'base64') {
    text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { headers: unfolded, text };
}

/** The reset link in a received message (absolute URL on the public origin). */
export function resetLinkIn(mail: ReceivedMail): string {
  const { text } = decodeMail(mail.raw);
  const link = /https?:\/\/[^\s<>"]+\/reset-password\?token=[^\s<>"]+/.exec(text)?.[0];
  if (!link) throw new Error(`no reset link in the message:\n${text}`);
  return link;
}

export function tokenOfLink(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

// ---------------------------------------------------------------- HIBP range API

export interface RangeRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface PwnedRangeServer {
  /** The base URL to configure, ending in `/range/`. */
  readonly url: string;
  readonly requests: RangeRequest[];
  close(): Promise<void>;
}

export function sha1Upper(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/**
 * Speaks the real range API: `GET /range/<5 hex>` → `SUFFIX:COUNT\r\n` lines (35 uppercase hex
 * characters, a count), with `Add-Padding: true` adding decoy suffixes whose count is 0.
 */
export async function startPwnedRangeServer(breached: ReadonlyMap<string, number>): Promise<PwnedRangeServer> {
  const requests: RangeRequest[] = [];
  const byPrefix = new Map<string, Array<[string, number]>>();
  for (const [password, count] of breached) {
    const sha1 = sha1Upper(password);
    const list = byPrefix.get(sha1.slice(0, 5)) ?? [];
    list.push([sha1.slice(5), count]);
    byPrefix.set(sha1.slice(0, 5), list);
  }
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const match = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('The hash prefix was not in a valid format');
      return;
    }
    const lines = (byPrefix.get(match[1] ?? '') ?? []).map(([suffix, count]) => `${suffix}:${count}`);
    // Real-looking entries that are not ours, then padding (count 0) when asked for.
    for (let i = 0; i < 20; i += 1) lines.push(`${randomBytes(18).toString('hex').toUpperCase().slice(0, 35)}:${1 + i * 7}`);
    if (req.headers['add-padding'] === 'true') for (let i = 0; i < 200; i += 1) lines.push(`${randomBytes(18).toString('hex').toUpperCase().slice(0, 35)}:0`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/range/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------- another app on the same stores

type AppOptions = Partial<Omit<CreateAuthOptions, 'stores'>>;

/**
 * The reference app on stores another TestApp opened (a deploy with other settings on the same
 * database). Its dispose() does not close the stores: the owner does.
 */
export function appOnStores(stores: SqlStores, options: AppOptions = {}, appOptions: ReferenceAppOptions = {}): TestApp {
  const clock = options.clock instanceof FixedClock ? options.clock : new FixedClock();
  const auth: Auth = createAuth({
    secretKey: randomBytes(48).toString('base64url'),
    environment: 'test',
    publicOrigin: PUBLIC_ORIGIN,
    identity: { confirmation: 'off' },
    ...options,
    stores,
    clock,
  });
  const { app } = createReferenceApp(auth, { documentsDb: stores.db, ...appOptions });
  const testApp: TestApp = {
    app,
    auth,
    stores,
    clock,
    request(path, init = {}, ip = '127.0.0.1') {
      const url = path.startsWith('http') ? path : `${auth.config.publicOrigin}${path}`;
      const env = { incoming: { socket: { remoteAddress: ip, encrypted: url.startsWith('https:') } } };
      return Promise.resolve(app.request(url, init, env));
    },
    client: (clientOptions?: ClientOptions) => new Client(testApp, clientOptions),
    async userCount() {
      return (await stores.users.listUsers({ offset: 0, limit: 1 })).total;
    },
    dispose: async () => undefined,
  };
  return testApp;
}

// ---------------------------------------------------------------- legacy hashes, made as the originals make them

/** passlib's "adapted base64": standard alphabet with `.` for `+`, no padding. */
export function adaptedBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
}

/** Werkzeug `generate_password_hash(p, 'pbkdf2:sha256:<iter>')`: the salt is used as text, hex digest. */
export function werkzeugPbkdf2Sha256(password: string, iterations = 600_000, salt = randomBytes(12).toString('base64url').slice(0, 16)): string {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, 32, 'sha256');
  return `pbkdf2:sha256:${iterations}$${salt}$${derived.toString('hex')}`;
}

/** Werkzeug ≥ 2.3 default `scrypt:32768:8:1$salt$hex` (64-byte key). */
export function werkzeugScrypt(password: string, N = 32_768, r = 8, p = 1, salt = randomBytes(12).toString('base64url').slice(0, 16)): string {
  const derived = scryptSync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), 64, { N, r, p, maxmem: 256 * N * r });
  return `scrypt:${N}:${r}:${p}$${salt}$${derived.toString('hex')}`;
}

/** Django `PBKDF2PasswordHasher`: `pbkdf2_sha256$<iter>$<salt>$<base64 of 32 bytes>`. */
export function djangoPbkdf2Sha256(password: string, iterations = 870_000, salt = randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22)): string {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, 32, 'sha256');
  return `pbkdf2_sha256$${iterations}$${salt}$${derived.toString('base64')}`;
}

/** passlib `pbkdf2_sha512.hash(p)`: `$pbkdf2-sha512$<rounds>$<ab64 salt>$<ab64 checksum of 64 bytes>`. */
export function passlibPbkdf2Sha512(password: string, rounds = 25_000, salt = randomBytes(16)): string {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, rounds, 64, 'sha512');
  return `$pbkdf2-sha512$${rounds}$${adaptedBase64(salt)}$${adaptedBase64(derived)}`;
}

/** bcrypt at `cost` with the `$2a$` / `$2b$` / `$2y$` tag, by bcryptjs (as Devise / PHP / passlib write them). */
export async function bcryptOf(password: string, cost = 10, version: '2a' | '2b' | '2y' = '2b'): Promise<string> {
  return bcryptHash(password, { cost, version });
}
