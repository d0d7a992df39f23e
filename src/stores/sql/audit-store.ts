/** @module AuditStore on Kysely: append in batches, search newest first by event, user, IP and time. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditQuery, AuditRecord, AuditStore } from '../../core/stores.ts';
import type { AuditEventsTable, Database } from './schema.ts';

function toAuditRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  let detail: AuditRecord['detail'] = {};
  try {
    detail = JSON.parse(row.detail) as AuditRecord['detail'];
  } catch {
    // a damaged row still lists; its detail is simply empty
  }
  return {
    id: row.id,
    atMs: Number(row.at),
    event: row.event,
    userId: row.user_id,
    actorId: row.actor_id,
    identity: row.identity,
    ip: row.ip,
    userAgent: row.user_agent,
    reason: row.reason,
    detail,
  };
}

export function createSqlAuditStore(db: Kysely<Database>): AuditStore {
  return {
    async appendAuditRecords(records) {
      if (records.length === 0) return;
      await db
        .insertInto('audit_events')
        .values(
          records.map((r) => ({
            id: r.id,
            at: r.atMs,
            event: r.event,
            user_id: r.userId,
            actor_id: r.actorId,
            identity: r.identity,
            ip: r.ip,
            user_agent: r.userAgent,
            reason: r.reason,
            detail: JSON.stringify(r.detail),
          })),
        )
        .execute();
    },
    async listAuditRecords(query: AuditQuery) {
      let q = db.selectFrom('audit_events');
      if (query.event) q = q.where('event', '=', query.event);
      if (query.userId) q = q.where('user_id', '=', query.userId);
      if (query.ip) q = q.where('ip', '=', query.ip);
      if (query.fromMs !== undefined) q = q.where('at', '>=', query.fromMs);
      if (query.toMs !== undefined) q = q.where('at', '<=', query.toMs);
      if (query.identity) {
        const pattern = `%${query.identity.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
        const needle = query.identity;
        q = q.where((eb) => eb.or([eb('user_id', '=', needle), sql<boolean>`lower(identity) like ${pattern} escape '\\'`]));
      }
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').offset(query.offset).limit(query.limit).execute(),
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
      ]);
      return { records: rows.map(toAuditRecord), total: Number(count?.n ?? 0) };
    },
  };
}
