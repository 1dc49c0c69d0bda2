import { firmRef } from './refs.ts';
import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, firmIsolation } from './columns.ts';

/** Who did what to which record, and when. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    firmId: firmRef(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    data: jsonb('data').$type<unknown>(),
    at: createdAt(),
  },
  (t) => [firmIsolation(t.firmId), index('audit_log_firm_idx').on(t.firmId, t.at)],
);
