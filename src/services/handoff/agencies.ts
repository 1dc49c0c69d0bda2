import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { type AgencyDelivery, agency } from '../../db/schema/index.ts';
import type { Db } from '../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import type { TokenCipher } from '../../lib/token-cipher.ts';
import { audit } from '../audit.ts';
import { newSigningSecret } from '../outbound/signed-post.ts';
import type { ServiceContext } from '../context.ts';

export type AgencyInput = {
  name: string;
  contactEmail?: string | null;
  delivery: AgencyDelivery;
  commissionRate?: string | null;
  minAmount?: string | null;
  fieldAllowList: string[];
  dpaReference?: string | null;
};

type Row = typeof agency.$inferSelect;
const view = (r: Row) => ({
  id: r.id,
  name: r.name,
  contactEmail: r.contactEmail,
  delivery: r.delivery,
  commissionRate: r.commissionRate,
  minAmount: r.minAmount,
  fieldAllowList: r.fieldAllowList,
  dpaReference: r.dpaReference,
  createdAt: r.createdAt.toISOString(),
});

export async function createAgency({ ctx, input }: { ctx: ServiceContext; input: AgencyInput }, cipher: TokenCipher) {
  const id = randomUUID();
  const secret = newSigningSecret();
  const [row] = await ctx.db
    .insert(agency)
    .values({
      id,
      firmId: ctx.firmId,
      name: input.name,
      contactEmail: input.contactEmail ?? null,
      delivery: input.delivery,
      secret: await cipher.encrypt(secret, id),
      commissionRate: input.commissionRate ?? null,
      minAmount: input.minAmount ?? null,
      fieldAllowList: input.fieldAllowList,
      dpaReference: input.dpaReference ?? null,
    })
    .returning();
  await audit(ctx, 'agency.created', { type: 'agency', id }, { name: input.name, delivery: input.delivery.method });
  return { ...view(row!), secret };
}

export async function listAgencies({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db.select().from(agency).where(eq(agency.firmId, ctx.firmId)).orderBy(asc(agency.name));
  return rows.map(view);
}

async function getAgencyRow(ctx: ServiceContext, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(agency)
    .where(and(eq(agency.id, id), eq(agency.firmId, ctx.firmId)));
  if (!row) throw new NotFoundError('agency');
  return row;
}

export async function updateAgency({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string } & Partial<AgencyInput>;
}) {
  const row = await getAgencyRow(ctx, input.id);
  const { id: _id, ...patch } = input;
  const [updated] = await ctx.db
    .update(agency)
    .set({ ...patch, updatedAt: ctx.clock.now() })
    .where(eq(agency.id, row.id))
    .returning();
  await audit(ctx, 'agency.updated', { type: 'agency', id: row.id }, { fields: Object.keys(patch) });
  return view(updated!);
}

/** A new secret; the old one stops working at once (the agency must be given the new one). */
export async function rotateAgencySecret(
  { ctx, input }: { ctx: ServiceContext; input: { id: string } },
  cipher: TokenCipher,
) {
  const row = await getAgencyRow(ctx, input.id);
  const secret = newSigningSecret();
  await ctx.db
    .update(agency)
    .set({ secret: await cipher.encrypt(secret, row.id), updatedAt: ctx.clock.now() })
    .where(eq(agency.id, row.id));
  await audit(ctx, 'agency.secret_rotated', { type: 'agency', id: row.id });
  return { id: row.id, secret };
}

/** The agency's signing secret in plain text, for signing deliveries and checking callbacks. */
export async function agencySecret(cipher: TokenCipher, row: Pick<Row, 'id' | 'secret'>): Promise<string | null> {
  return row.secret ? cipher.decrypt(row.secret, row.id) : null;
}

export async function findAgency(db: Db, id: string): Promise<Row | null> {
  const [row] = await db.select().from(agency).where(eq(agency.id, id));
  return row ?? null;
}
