import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../../core/stores.ts';
import { cleanEmail, emailKey, isEmailShaped, isUsernameShaped, toPublicUser, usernameKey, USERNAME_MAX_LENGTH } from './index.ts';

describe('emailKey', () => {
  it('folds case and trims', () => {
    expect(emailKey('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(emailKey('ann@example.com')).toBe(emailKey('ANN@EXAMPLE.COM'));
  });

  it('folds NFKC: full-width letters and @ are the same account', () => {
    expect(emailKey('ＡＮＮ＠ｅｘａｍｐｌｅ.com')).toBe('ann@example.com');
  });

  it('folds composed and decomposed accents into one key', () => {
    expect(emailKey('Zoe\u0301@example.com')).toBe(emailKey('zo\u00e9@example.com'));
  });

  it('cleanEmail keeps what the user typed, trimmed and NFC, case intact', () => {
    expect(cleanEmail('  Zoe\u0301@Example.com\n')).toBe('Zo\u00e9@Example.com');
  });
});

describe('isEmailShaped', () => {
  it.each(['a@b.co', 'ann.lee+tag@mail.example.com', 'zoë@exämple.de', "o'hara@example.ie"])('accepts %j', (email) => {
    expect(isEmailShaped(email)).toBe(true);
  });

  it.each(['', 'ann', 'ann@', '@example.com', 'ann@example', 'ann@@example.com', 'ann@ex@ample.com', 'ann lee@example.com', 'ann@example .com', 'ann@example.com.', 'ann@.example.com', 'ann@example..com', 'ann@example.com\n', ' ann@example.com', 'ann\t@example.com'])(
    'refuses %j',
    (email) => {
      expect(isEmailShaped(email)).toBe(false);
    },
  );
});

describe('usernames', () => {
  it.each(['ann', 'ann_lee', 'a.b-c', 'Zoë', 'ユーザー名', '123', 'a'.repeat(USERNAME_MAX_LENGTH)])('accepts %j', (name) => {
    expect(isUsernameShaped(name)).toBe(true);
  });

  it.each(['', 'ab', 'a'.repeat(USERNAME_MAX_LENGTH + 1), 'ann@example.com', 'ann@', 'ann＠x', 'ann lee', 'ann\u0000', 'ann/lee', '<script>', 'ann:x'])(
    'refuses %j',
    (name) => {
      expect(isUsernameShaped(name)).toBe(false);
    },
  );

  it('usernameKey folds case, width and whitespace', () => {
    expect(usernameKey('  ＡｎＮ ')).toBe('ann');
  });
});

describe('toPublicUser', () => {
  const user: UserRecord = {
    id: 'u1',
    email: 'Ann@Example.com',
    emailKey: 'ann@example.com',
    username: 'ann',
    usernameKey: 'ann',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    active: true,
    uniquifier: 'secret-uniquifier',
    createdAtMs: 1,
    updatedAtMs: 2,
    lastLoginAtMs: 3,
    emailConfirmedAtMs: null,
  };
  const roles = ['user', 'admin'];

  it('is exactly {id, email, username, roles, active}', () => {
    const shown = toPublicUser(user, { roles, permissions: ['docs:write'] });
    expect(shown).toEqual({ id: 'u1', email: 'Ann@Example.com', username: 'ann', roles: ['user', 'admin'], active: true });
    expect(Object.keys(shown).sort()).toEqual(['active', 'email', 'id', 'roles', 'username']);
  });

  it('never carries the hash, the uniquifier or permissions, even serialised', () => {
    const text = JSON.stringify(toPublicUser(user, { roles, permissions: ['docs:write'] }));
    expect(text).not.toContain('argon2');
    expect(text).not.toContain(user.passwordHash);
    expect(text).not.toContain('secret-uniquifier');
    expect(text).not.toContain('docs:write');
  });

  it('copies the roles instead of sharing the array', () => {
    const shown = toPublicUser(user, { roles, permissions: [] });
    expect(shown.roles).not.toBe(roles);
  });
});
