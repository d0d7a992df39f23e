import { describe, expect, it } from 'vitest';
import { MECHANISM_ORDER, parseBasicAuthorization } from './authenticate.ts';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const basicBytes = (bytes: readonly number[]) => `Basic ${Buffer.from(bytes).toString('base64')}`;

describe('parseBasicAuthorization', () => {
  it('reads identity and password', () => {
    expect(parseBasicAuthorization(basic('ann@example.com:correct horse'))).toEqual({ identity: 'ann@example.com', password: 'correct horse' });
  });

  it('splits at the first colon: the password may contain colons', () => {
    expect(parseBasicAuthorization(basic('ann:pa:ss:'))).toEqual({ identity: 'ann', password: 'pa:ss:' });
  });

  it('allows an empty password (the credential check refuses it later)', () => {
    expect(parseBasicAuthorization(basic('ann:'))).toEqual({ identity: 'ann', password: '' });
  });

  it('the scheme is case-insensitive and surrounding spaces are ignored', () => {
    const encoded = Buffer.from('ann:pw').toString('base64');
    expect(parseBasicAuthorization(`basic ${encoded}`)).toEqual({ identity: 'ann', password: 'pw' });
    expect(parseBasicAuthorization(`BASIC ${encoded}  `)).toEqual({ identity: 'ann', password: 'pw' });
  });

  it('decodes UTF-8 identities and passwords', () => {
    expect(parseBasicAuthorization(basic('zoë@exämple.de:pässwörd 😀 ключ'))).toEqual({ identity: 'zoë@exämple.de', password: 'pässwörd 😀 ключ' });
  });

  it.each([
    ['absent', null],
    ['empty', ''],
    ['another scheme', 'Bearer abc.def'],
    ['scheme only', 'Basic'],
    ['scheme and space', 'Basic '],
    ['two spaces', `Basic  ${Buffer.from('ann:pw').toString('base64')}`],
    ['no space', `Basic${Buffer.from('ann:pw').toString('base64')}`],
    ['space inside the credentials', 'Basic YW5u OnB3'],
    ['not base64', 'Basic !!!!'],
    ['base64url alphabet', 'Basic YW5uOnB3-_'],
    ['two credentials', `Basic ${Buffer.from('ann:pw').toString('base64')} ${Buffer.from('bob:pw').toString('base64')}`],
    ['no colon', basic('annpassword')],
    ['empty identity', basic(':password')],
    ['only a colon', basic(':')],
    ['padding only', 'Basic ===='],
    ['over 2048 characters', `Basic ${'QUFB'.repeat(600)}`],
    ['NUL in the identity', basic('ann\u0000:pw')],
    ['NUL in the password', basic('ann:p\u0000w')],
    ['a header-splitting newline', `Basic ${Buffer.from('ann:pw').toString('base64')}\r\nX-Evil: 1`],
  ])('%s → undefined', (_label, header) => {
    expect(parseBasicAuthorization(header)).toBeUndefined();
  });

  it.each([
    ['a lone 0xFF byte', [0x61, 0x6e, 0x6e, 0x3a, 0xff]],
    ['an encoded surrogate', [0x61, 0x6e, 0x6e, 0x3a, 0xed, 0xa0, 0x80]],
    ['an overlong encoding in the identity', [0xc0, 0xaf, 0x3a, 0x70, 0x77]],
  ])('credentials that are not valid UTF-8 (%s) → undefined', (_label, bytes) => {
    expect(parseBasicAuthorization(basicBytes(bytes))).toBeUndefined();
  });
});

describe('MECHANISM_ORDER', () => {
  it('is token, then session, then basic', () => {
    expect(MECHANISM_ORDER).toEqual(['token', 'session', 'basic']);
  });
});
