/**
 * SMTP for real: nodemailer talks to an in-process SMTP server (smtp-server on 127.0.0.1, a
 * random port); the test decodes the received message and finds the reset link intact —
 * however the transfer encoding wrapped or escaped it.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, type SmtpMailer } from './index.ts';

interface Received {
  from: string | undefined;
  to: string[];
  raw: string;
}

const received: Received[] = [];
let server: SMTPServer;
let mailer: SmtpMailer;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : undefined,
          to: envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`, 'Portcullis <no-reply@portcullis.test>');
});

afterAll(async () => {
  mailer?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Splits a MIME entity into its headers and body. */
function splitEntity(entity: string): { headers: string; body: string } {
  const match = /\r?\n\r?\n/.exec(entity);
  if (!match) return { headers: entity, body: '' };
  return { headers: entity.slice(0, match.index), body: entity.slice(match.index + match[0].length) };
}

/** The decoded text/plain part: enough MIME to undo quoted-printable or base64 bodies. */
function textBody(raw: string): string {
  let { headers, body } = splitEntity(raw);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (boundary) {
    const part = body.split(`--${boundary}`).find((chunk) => /content-type:\s*text\/plain/i.test(chunk)) ?? '';
    ({ headers, body } = splitEntity(part.replace(/^\r?\n/, '')));
  }
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    const unwrapped = body.replace(/=\r?\n/g, '');
    const bytes = unwrapped.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (/content-transfer-encoding:\s*base64/i.test(headers)) return Buffer.from(body, 'base64').toString('utf8');
  return body;
}

describe('createSmtpMailer', () => {
  it('delivers to the recipient, with the subject, and the link in the text arrives intact', async () => {
    const token = 'Xq3_9-kLmN0pQrStUvWxYz0123456789abcdefGHIJ';
    const link = `https://app.portcullis.test/reset-password?token=${token}&next=%2Faccount%3Ftab%3Dsecurity&lang=fr`;
    await mailer.send({
      to: 'amélie@example.test',
      subject: 'Réinitialisez votre mot de passe',
      text: `Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien d'ici une heure :\n${link}\n\nSi ce n'était pas vous, ignorez ce message.`,
      html: `<p>Ouvrez <a href="${link.replaceAll('&', '&amp;')}">ce lien</a>.</p>`,
    });
    expect(received).toHaveLength(1);
    const message = received[0];
    expect(message?.to).toEqual(['amélie@example.test']);
    expect(message?.from).toBe('no-reply@portcullis.test');
    expect(message?.raw).toMatch(/^Subject: =\?UTF-8\?Q\?R=C3=A9initialisez/m);
    const text = textBody(message?.raw ?? '');
    expect(text).toContain(link);
    expect(text.match(/https:\/\/\S+/)?.[0]).toBe(link);
  });

  it('refuses header injection through the recipient or subject, sending nothing', async () => {
    const before = received.length;
    await expect(mailer.send({ to: 'a@example.test\r\nBcc: victim@example.test', subject: 'x', text: 'x' })).rejects.toThrow(TypeError);
    await expect(mailer.send({ to: 'a@example.test', subject: 'x\nBcc: victim@example.test', text: 'x' })).rejects.toThrow(TypeError);
    expect(received.length).toBe(before);
  });

  it('refuses a bad URL or sender at construction', () => {
    expect(() => createSmtpMailer('http://127.0.0.1:25', 'a@b.test')).toThrow(TypeError);
    expect(() => createSmtpMailer('not a url', 'a@b.test')).toThrow(TypeError);
    expect(() => createSmtpMailer('smtp://127.0.0.1:25', '')).toThrow(TypeError);
  });
});
