/**
 * @module MfaStore in process memory (one process; tests and embedded use). Each operation runs
 * to completion without awaiting in between, so a check and its write are one step, as the SQL
 * store's conditional UPDATEs are.
 */
import type { MfaStore, TotpRecord } from '../../core/stores.ts';

interface StoredCode {
  readonly createdAtMs: number;
  usedAtMs: number | null;
}

export function createMemoryMfaStore(): MfaStore {
  const totp = new Map<string, TotpRecord>();
  const codes = new Map<string, Map<string, StoredCode>>();
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
      return hadTotp || hadCodes;
    },
  };
}
