/**
 * @module The audit trail's batching against the real audit table (SQLite or PostgreSQL, per
 * PORTCULLIS_TEST_DB): events wait at most `maxDelayMs`, a full batch goes at once, `flush()` writes
 * what waits, and a failed write loses that batch only. The store is the real one; the test only
 * counts the writes it is asked for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthEvent } from '../../core/events.ts';
import type { AuditRecord, AuditStore } from '../../core/stores.ts';
import { openTestStores, testDatabaseKind, type TestStores } from '../../testing/test-database.ts';
import { createAuditTrail } from './index.ts';

const AT_MS = Date.UTC(2026, 0, 2, 3, 4, 5);

function failedLogin(ip: string): AuthEvent {
  return { type: 'login.failed', identity: 'ann@example.com', reason: 'wrong_password', via: 'session', ip, atMs: AT_MS };
}

/** The real store, with each appendAuditRecords call's batch size noted (and optionally refused). */
function countingStore(store: AuditStore) {
  const batches: number[] = [];
  let refuseNext = false;
  const counted: AuditStore = {
    listAuditRecords: (query) => store.listAuditRecords(query),
    async appendAuditRecords(records: readonly AuditRecord[]) {
      batches.push(records.length);
      if (refuseNext) {
        refuseNext = false;
        throw new Error('audit table unavailable');
      }
      await store.appendAuditRecords(records);
    },
  };
  return { counted, batches, refuseNextWrite: () => (refuseNext = true) };
}

describe(`audit trail batching (${testDatabaseKind()})`, () => {
  let db: TestStores;
  beforeEach(async () => {
    db = await openTestStores();
  });
  afterEach(async () => {
    await db.dispose();
  });

  const rowsFrom = async (ip: string) => (await db.stores.audit.listAuditRecords({ ip, offset: 0, limit: 500 })).total;

  it('writes the events of one delay window in one batch, without being flushed', async () => {
    const { counted, batches } = countingStore(db.stores.audit);
    const errors: unknown[] = [];
    const trail = createAuditTrail(counted, (e) => errors.push(e), undefined, { maxDelayMs: 50, maxBatch: 100 });
    for (let i = 0; i < 5; i++) trail.sink(failedLogin('198.51.100.1'));
    // Checked before anything awaits: a query first could outlast the 50 ms on a loaded machine.
    expect(batches).toEqual([]);
    await vi.waitFor(() => expect(batches).toEqual([5]), { timeout: 5_000, interval: 10 });
    // The batch is counted when the write starts; on a loaded machine its rows land a little later.
    await vi.waitFor(async () => expect(await rowsFrom('198.51.100.1')).toBe(5), { timeout: 5_000, interval: 20 });
    expect(batches).toEqual([5]);
    expect(errors).toEqual([]);
  });

  it('writes a full batch at once, without waiting for the delay', async () => {
    const { counted, batches } = countingStore(db.stores.audit);
    const trail = createAuditTrail(counted, () => {}, undefined, { maxDelayMs: 60_000, maxBatch: 3 });
    trail.sink(failedLogin('198.51.100.2'));
    trail.sink(failedLogin('198.51.100.2'));
    await sleep(50);
    expect(batches).toEqual([]);
    // The third fills the batch; the fourth, in the same turn of the event loop, joins it.
    trail.sink(failedLogin('198.51.100.2'));
    trail.sink(failedLogin('198.51.100.2'));
    await sleep(50);
    expect(batches).toEqual([4]);
    expect(await rowsFrom('198.51.100.2')).toBe(4);
  });

  it('flush() writes what waits at once, and the cancelled timer writes nothing twice', async () => {
    const { counted, batches } = countingStore(db.stores.audit);
    const trail = createAuditTrail(counted, () => {}, undefined, { maxDelayMs: 30, maxBatch: 100 });
    trail.sink(failedLogin('198.51.100.3'));
    trail.sink(failedLogin('198.51.100.3'));
    await trail.flush();
    expect(batches).toEqual([2]);
    expect(await rowsFrom('198.51.100.3')).toBe(2);
    await sleep(100);
    expect(batches).toEqual([2]);
    expect(await rowsFrom('198.51.100.3')).toBe(2);
  });

  it('a failed write is reported, loses only its batch, and the next batch is written', async () => {
    const { counted, batches, refuseNextWrite } = countingStore(db.stores.audit);
    const errors: unknown[] = [];
    const trail = createAuditTrail(counted, (e) => errors.push(e), undefined, { maxDelayMs: 10, maxBatch: 100 });
    refuseNextWrite();
    trail.sink(failedLogin('198.51.100.4'));
    await trail.flush();
    expect(errors).toHaveLength(1);
    trail.sink(failedLogin('198.51.100.4'));
    await sleep(100);
    expect(batches).toEqual([1, 1]);
    expect(await rowsFrom('198.51.100.4')).toBe(1);
  });
});
