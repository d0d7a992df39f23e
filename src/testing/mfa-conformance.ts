/**
 * @module The MfaStore conformance suite: memory, SQLite and PostgreSQL pass it unchanged. Every
 * use of a code is a single atomic step — the races below must produce exactly one winner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaStore, PasskeyRecord } from '../core/stores.ts';
import { hex, sha256, T0 } from './conformance/fixtures.ts';

export interface OpenedMfaStore {
  readonly mfa: MfaStore;
  /** A user the store may hang factors on (SQL stores need the row to exist). */
  newUserId(): Promise<string>;
  dispose(): Promise<void>;
}

function newPasskey(userId: string, overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    id: `pk-${hex()}`,
    userId,
    credentialId: Buffer.from(hex(16), 'hex').toString('base64url'),
    publicKey: Buffer.from(hex(40), 'hex').toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    name: 'Laptop',
    deviceType: 'multiDevice',
    backedUp: true,
    createdAtMs: T0,
    lastUsedAtMs: null,
    ...overrides,
  };
}

export function describeMfaStoreConformance(name: string, open: () => Promise<OpenedMfaStore>): void {
  describe(`MfaStore conformance: ${name}`, () => {
    let opened: OpenedMfaStore | undefined;
    const mfa = () => opened!.mfa;
    const user = () => opened!.newUserId();
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it('keeps an unconfirmed secret until a first code confirms it; a confirmed one is never overwritten', async () => {
      const id = await user();
      expect(await mfa().findTotp(id)).toBeUndefined();
      expect(await mfa().saveUnconfirmedTotp(id, 'sealed-1', T0)).toBe(true);
      expect(await mfa().findTotp(id)).toEqual({ userId: id, sealedSecret: 'sealed-1', createdAtMs: T0, confirmedAtMs: null, lastUsedStep: -1 });
      // A second setup before confirming replaces the first.
      expect(await mfa().saveUnconfirmedTotp(id, 'sealed-2', T0 + 1)).toBe(true);
      expect((await mfa().findTotp(id))?.sealedSecret).toBe('sealed-2');
      // Using an unconfirmed secret as a factor fails; confirming it works once.
      expect(await mfa().useTotpStep(id, 'sealed-2', 10, T0 + 2, false)).toBe(false);
      expect(await mfa().useTotpStep(id, 'sealed-1', 10, T0 + 2, true)).toBe(false);
      expect(await mfa().useTotpStep(id, 'sealed-2', 10, T0 + 2, true)).toBe(true);
      expect(await mfa().findTotp(id)).toEqual({ userId: id, sealedSecret: 'sealed-2', createdAtMs: T0 + 1, confirmedAtMs: T0 + 2, lastUsedStep: 10 });
      expect(await mfa().useTotpStep(id, 'sealed-2', 11, T0 + 3, true)).toBe(false);
      expect(await mfa().saveUnconfirmedTotp(id, 'sealed-3', T0 + 4)).toBe(false);
      expect((await mfa().findTotp(id))?.sealedSecret).toBe('sealed-2');
    });

    it('accepts each step once and never an earlier one', async () => {
      const id = await user();
      await mfa().saveUnconfirmedTotp(id, 's', T0);
      await mfa().useTotpStep(id, 's', 100, T0, true);
      expect(await mfa().useTotpStep(id, 's', 100, T0, false)).toBe(false);
      expect(await mfa().useTotpStep(id, 's', 99, T0, false)).toBe(false);
      expect(await mfa().useTotpStep(id, 's', 101, T0, false)).toBe(true);
      expect((await mfa().findTotp(id))?.lastUsedStep).toBe(101);
    });

    it('of 20 concurrent uses of one step, exactly one succeeds', async () => {
      const id = await user();
      await mfa().saveUnconfirmedTotp(id, 's', T0);
      await mfa().useTotpStep(id, 's', 1, T0, true);
      const results = await Promise.all(Array.from({ length: 20 }, () => mfa().useTotpStep(id, 's', 2, T0, false)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('re-seals only the secret it read', async () => {
      const id = await user();
      await mfa().saveUnconfirmedTotp(id, 'old', T0);
      expect(await mfa().resealTotp(id, 'other', 'new')).toBe(false);
      expect(await mfa().resealTotp(id, 'old', 'new')).toBe(true);
      expect((await mfa().findTotp(id))?.sealedSecret).toBe('new');
    });

    it('deletes TOTP of one user only', async () => {
      const [a, b] = [await user(), await user()];
      await mfa().saveUnconfirmedTotp(a, 'a', T0);
      await mfa().saveUnconfirmedTotp(b, 'b', T0);
      expect(await mfa().deleteTotp(a)).toBe(true);
      expect(await mfa().deleteTotp(a)).toBe(false);
      expect(await mfa().findTotp(a)).toBeUndefined();
      expect((await mfa().findTotp(b))?.sealedSecret).toBe('b');
    });

    it('recovery codes: replaced as a set, each used once, only by its owner', async () => {
      const [a, b] = [await user(), await user()];
      const first = Array.from({ length: 10 }, () => sha256(hex()));
      await mfa().replaceRecoveryCodes(a, first, T0);
      expect(await mfa().countRecoveryCodes(a)).toBe(10);
      expect(await mfa().useRecoveryCode(b, first[0]!, T0)).toBe(false);
      expect(await mfa().useRecoveryCode(a, first[0]!, T0)).toBe(true);
      expect(await mfa().useRecoveryCode(a, first[0]!, T0)).toBe(false);
      expect(await mfa().countRecoveryCodes(a)).toBe(9);
      const second = Array.from({ length: 10 }, () => sha256(hex()));
      await mfa().replaceRecoveryCodes(a, second, T0 + 1);
      expect(await mfa().useRecoveryCode(a, first[1]!, T0)).toBe(false);
      expect(await mfa().countRecoveryCodes(a)).toBe(10);
      expect(await mfa().countRecoveryCodes(b)).toBe(0);
    });

    it('of 20 concurrent uses of one recovery code, exactly one succeeds', async () => {
      const id = await user();
      const code = sha256(hex());
      await mfa().replaceRecoveryCodes(id, [code], T0);
      const results = await Promise.all(Array.from({ length: 20 }, () => mfa().useRecoveryCode(id, code, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await mfa().countRecoveryCodes(id)).toBe(0);
    });

    it('deleteFactorsOfUser removes TOTP and codes of that user only', async () => {
      const [a, b] = [await user(), await user()];
      for (const id of [a, b]) {
        await mfa().saveUnconfirmedTotp(id, 's', T0);
        await mfa().replaceRecoveryCodes(id, [sha256(hex())], T0);
      }
      expect(await mfa().deleteFactorsOfUser(a)).toBe(true);
      expect(await mfa().deleteFactorsOfUser(a)).toBe(false);
      expect(await mfa().findTotp(a)).toBeUndefined();
      expect(await mfa().countRecoveryCodes(a)).toBe(0);
      expect(await mfa().findTotp(b)).toBeDefined();
      expect(await mfa().countRecoveryCodes(b)).toBe(1);
    });
    it('passkeys: saved once per credential id (whoever holds it), listed per user in order of creation', async () => {
      const [a, b] = [await user(), await user()];
      const first = newPasskey(a, { createdAtMs: T0 });
      const second = newPasskey(a, { createdAtMs: T0 + 1, transports: [], deviceType: 'singleDevice', backedUp: false, counter: 7 });
      expect(await mfa().savePasskey(second)).toBe(true);
      expect(await mfa().savePasskey(first)).toBe(true);
      // The same credential id again — for the same user or another — is refused and changes nothing.
      expect(await mfa().savePasskey({ ...first, id: `pk-${hex()}`, name: 'Copy' })).toBe(false);
      expect(await mfa().savePasskey(newPasskey(b, { credentialId: first.credentialId }))).toBe(false);
      expect(await mfa().listPasskeysOfUser(a)).toEqual([first, second]);
      expect(await mfa().listPasskeysOfUser(b)).toEqual([]);
      expect(await mfa().findPasskeyByCredentialId(second.credentialId)).toEqual(second);
      expect(await mfa().findPasskeyByCredentialId('no-such-credential')).toBeUndefined();
    });

    it('passkeys: a use moves the counter forward only, and records the time and backed-up flag', async () => {
      const id = await user();
      const passkey = newPasskey(id, { counter: 5, backedUp: false });
      await mfa().savePasskey(passkey);
      expect(await mfa().usePasskey(id, passkey.credentialId, { counter: 5, backedUp: true, nowMs: T0 + 1 })).toBe(false);
      expect(await mfa().usePasskey(id, passkey.credentialId, { counter: 4, backedUp: true, nowMs: T0 + 1 })).toBe(false);
      expect(await mfa().usePasskey(id, passkey.credentialId, { counter: 0, backedUp: true, nowMs: T0 + 1 })).toBe(false);
      expect(await mfa().findPasskeyByCredentialId(passkey.credentialId)).toEqual(passkey);
      expect(await mfa().usePasskey(id, passkey.credentialId, { counter: 6, backedUp: true, nowMs: T0 + 2 })).toBe(true);
      expect(await mfa().findPasskeyByCredentialId(passkey.credentialId)).toEqual({ ...passkey, counter: 6, backedUp: true, lastUsedAtMs: T0 + 2 });
      // Another user's id never uses it.
      const other = await user();
      expect(await mfa().usePasskey(other, passkey.credentialId, { counter: 9, backedUp: true, nowMs: T0 + 3 })).toBe(false);
      expect((await mfa().findPasskeyByCredentialId(passkey.credentialId))?.counter).toBe(6);
      // An authenticator that does not count (0 stays 0) is used as often as it is verified.
      const uncounted = newPasskey(id);
      await mfa().savePasskey(uncounted);
      expect(await mfa().usePasskey(id, uncounted.credentialId, { counter: 0, backedUp: true, nowMs: T0 + 4 })).toBe(true);
      expect(await mfa().usePasskey(id, uncounted.credentialId, { counter: 0, backedUp: true, nowMs: T0 + 5 })).toBe(true);
      expect((await mfa().findPasskeyByCredentialId(uncounted.credentialId))?.lastUsedAtMs).toBe(T0 + 5);
    });

    it('passkeys: of 20 concurrent uses with one counter value, exactly one is recorded', async () => {
      const id = await user();
      const passkey = newPasskey(id, { counter: 3 });
      await mfa().savePasskey(passkey);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => mfa().usePasskey(id, passkey.credentialId, { counter: 4, backedUp: true, nowMs: T0 + i })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await mfa().findPasskeyByCredentialId(passkey.credentialId);
      expect(stored?.counter).toBe(4);
      expect(stored?.lastUsedAtMs).toBe(T0 + results.indexOf(true));
    });

    it('passkeys: renamed and deleted by their owner only', async () => {
      const [a, b] = [await user(), await user()];
      const passkey = newPasskey(a);
      await mfa().savePasskey(passkey);
      expect(await mfa().renamePasskey(b, passkey.id, 'Stolen')).toBe(false);
      expect(await mfa().deletePasskey(b, passkey.id)).toBe(false);
      expect(await mfa().findPasskeyByCredentialId(passkey.credentialId)).toEqual(passkey);
      expect(await mfa().renamePasskey(a, passkey.id, 'Phone')).toBe(true);
      expect((await mfa().findPasskeyByCredentialId(passkey.credentialId))?.name).toBe('Phone');
      expect(await mfa().renamePasskey(a, 'pk-none', 'X')).toBe(false);
      expect(await mfa().deletePasskey(a, passkey.id)).toBe(true);
      expect(await mfa().deletePasskey(a, passkey.id)).toBe(false);
      expect(await mfa().findPasskeyByCredentialId(passkey.credentialId)).toBeUndefined();
      expect(await mfa().listPasskeysOfUser(a)).toEqual([]);
    });

    it('deleteFactorsOfUser removes passkeys too (of that user only)', async () => {
      const [a, b] = [await user(), await user()];
      const [mine, theirs] = [newPasskey(a), newPasskey(b)];
      await mfa().savePasskey(mine);
      await mfa().savePasskey(theirs);
      expect(await mfa().deleteFactorsOfUser(a)).toBe(true);
      expect(await mfa().listPasskeysOfUser(a)).toEqual([]);
      expect(await mfa().deleteFactorsOfUser(a)).toBe(false);
      expect(await mfa().listPasskeysOfUser(b)).toEqual([theirs]);
    });
  });
}
