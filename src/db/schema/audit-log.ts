import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, firmIsolation } from './columns.ts';
import { firm } from './firm.ts';

/** Who did what to which record, and when. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
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
