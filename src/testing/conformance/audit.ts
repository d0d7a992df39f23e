/** @module Store conformance: the AuditStore contract. */
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../core/stores.ts';
import { T0, hex, type Fixture } from './fixtures.ts';

export function describeAuditStore(f: Fixture): void {
  const { stores } = f;
  describe('AuditStore', () => {
    const audit = () => stores().audit;
    const marker = hex(4);
    const record = (overrides: Partial<AuditRecord>): AuditRecord => ({
      id: hex(16),
      atMs: T0,
      event: 'login.failed',
      userId: null,
      actorId: null,
      identity: `probe-${marker}@example.com`,
      ip: '192.0.2.1',
      userAgent: 'conformance',
      reason: 'wrong_password',
      detail: {},
      ...overrides,
    });

    it('stores records exactly and lists them newest first', async () => {
      const older = record({ atMs: T0 + 1_000, detail: { via: 'session', retryAfterSeconds: 4 } });
      const newer = record({ atMs: T0 + 2_000, event: `login.locked.${marker}`, reason: null, userId: `u-${marker}` });
      await audit().appendAuditRecords([older, newer]);
      await audit().appendAuditRecords([]);
      const { records, total } = await audit().listAuditRecords({ identity: `probe-${marker}`, offset: 0, limit: 10 });
      expect(total).toBe(2);
      expect(records).toEqual([newer, older]);
    });

    it('filters by event, user, identity substring, IP and time, and pages', async () => {
      const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
      const base = T0 + 10_000;
      const rows = Array.from({ length: 5 }, (_, i) => record({ atMs: base + i, ip, event: i % 2 ? `even.${marker}` : `odd.${marker}`, userId: i === 4 ? `user-${marker}` : null }));
      await audit().appendAuditRecords(rows);
      expect((await audit().listAuditRecords({ event: `odd.${marker}`, offset: 0, limit: 10 })).total).toBe(3);
      expect((await audit().listAuditRecords({ userId: `user-${marker}`, offset: 0, limit: 10 })).records.map((r) => r.atMs)).toEqual([base + 4]);
      expect((await audit().listAuditRecords({ identity: `user-${marker}`, offset: 0, limit: 10 })).total).toBe(1);
      expect((await audit().listAuditRecords({ identity: `PROBE-${marker}`, ip, offset: 0, limit: 10 })).total).toBe(5);
      expect((await audit().listAuditRecords({ ip, fromMs: base + 1, toMs: base + 3, offset: 0, limit: 10 })).total).toBe(3);
      const page = await audit().listAuditRecords({ ip, offset: 2, limit: 2 });
      expect(page.total).toBe(5);
      expect(page.records.map((r) => r.atMs)).toEqual([base + 2, base + 1]);
    });

    it('treats % and _ in an identity search literally', async () => {
      await audit().appendAuditRecords([record({ identity: `a_b%${marker}@x.io` }), record({ identity: `axb${marker}@x.io` })]);
      expect((await audit().listAuditRecords({ identity: `a_b%${marker}`, offset: 0, limit: 10 })).total).toBe(1);
    });
  });
}
