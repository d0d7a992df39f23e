/**
 * @module MfaStore in process memory (one process; tests and embedded use). Each operation runs
 * to completion without awaiting in between, so a check and its write are one step, as the SQL
 * store's conditional UPDATEs are.
 */
import type { MfaStore, PasskeyRecord, TotpRecord } from '../../core/stores.ts';

interface StoredCode {
  readonly createdAtMs: number;
  usedAtMs: number | null;
}

export function createMemoryMfaStore(): MfaStore {
  const totp = new Map<string, TotpRecord>();
  const codes = new Map<string, Map<string, StoredCode>>();
  /** By credential id. */
  const passkeys = new Map<string, PasskeyRecord>();
  const passkeyOfUser = (userId: string, id: string) => [...passkeys.values()].find((passkey) => passkey.userId === userId && passkey.id === id);
  return {
    async findTotp(userId) {
      return totp.get(userId);
    },
    async saveUnconfirmedTotp(userId, sealedSecret, nowMs) {
      const current = totp.get(userId);
      if (current && current.confirmedAtMs !== null) return false;
      totp.set(userId, { userId, sealedSecret, createdAtMs: nowMs, confirmedAtMs: null, lastUsedStep: -1 });
      return true;
    },
    async useTotpStep(userId, sealedSecret, step, nowMs, confirm) {
      const current = totp.get(userId);
      if (!current || current.sealedSecret !== sealedSecret || current.lastUsedStep >= step) return false;
      if (confirm !== (current.confirmedAtMs === null)) return false;
      totp.set(userId, { ...current, lastUsedStep: step, confirmedAtMs: confirm ? nowMs : current.confirmedAtMs });
      return true;
    },
    async resealTotp(userId, previous, next) {
      const current = totp.get(userId);
      if (!current || current.sealedSecret !== previous) return false;
      totp.set(userId, { ...current, sealedSecret: next });
      return true;
    },
    async deleteTotp(userId) {
      return totp.delete(userId);
    },
    async replaceRecoveryCodes(userId, codeHashes, nowMs) {
      codes.set(userId, new Map(codeHashes.map((hash) => [hash, { createdAtMs: nowMs, usedAtMs: null }])));
    },
    async useRecoveryCode(userId, codeHash, nowMs) {
      const code = codes.get(userId)?.get(codeHash);
      if (!code || code.usedAtMs !== null) return false;
      code.usedAtMs = nowMs;
      return true;
    },
    async countRecoveryCodes(userId) {
      let left = 0;
      for (const code of codes.get(userId)?.values() ?? []) if (code.usedAtMs === null) left += 1;
      return left;
    },
    async deleteFactorsOfUser(userId) {
      const hadTotp = totp.delete(userId);
      const hadCodes = codes.delete(userId);
      let hadPasskeys = false;
      for (const [credentialId, passkey] of passkeys) {
        if (passkey.userId !== userId) continue;
        passkeys.delete(credentialId);
        hadPasskeys = true;
      }
      return hadTotp || hadCodes || hadPasskeys;
    },
    async savePasskey(passkey) {
      if (passkeys.has(passkey.credentialId)) return false;
      passkeys.set(passkey.credentialId, { ...passkey, transports: [...passkey.transports] });
      return true;
    },
    async listPasskeysOfUser(userId) {
      return [...passkeys.values()].filter((passkey) => passkey.userId === userId).sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1));
    },
    async findPasskeyByCredentialId(credentialId) {
      return passkeys.get(credentialId);
    },
    async usePasskey(userId, credentialId, { counter, backedUp, nowMs }) {
      const current = passkeys.get(credentialId);
      if (!current || current.userId !== userId) return false;
      if (counter === 0 ? current.counter !== 0 : current.counter >= counter) return false;
      passkeys.set(credentialId, { ...current, counter, backedUp, lastUsedAtMs: nowMs });
      return true;
    },
    async renamePasskey(userId, id, name) {
      const current = passkeyOfUser(userId, id);
      if (!current) return false;
      passkeys.set(current.credentialId, { ...current, name });
      return true;
    },
    async deletePasskey(userId, id) {
      const current = passkeyOfUser(userId, id);
      return current ? passkeys.delete(current.credentialId) : false;
    },
  };
}
