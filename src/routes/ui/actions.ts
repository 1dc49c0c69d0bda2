import { rejectReminders } from '../../services/reminders/reject.ts';
import { AMOUNT } from '../../domain/amount.ts';
import { disconnectLedger } from '../../services/disconnect.ts';
import { updateLedgerSettings } from '../../services/ledgers.ts';
import type { Context } from 'hono';
import { AppError } from '../../errors.ts';
import { approveCase } from '../../services/handoff/approve.ts';
import { createCase } from '../../services/handoff/cases.ts';
import { approveReminders, setContactCollection, setInvoiceCollection } from '../../services/reminders/manage.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { formCsrf, formFields, requireUiAuth, safeNext, ID } from './guard.ts';

type C = Context<AuthEnv>;

/**
 * Runs a form's action and goes back to the page with a notice, or with the error in words
 * (post/redirect/get: a reload never posts twice).
 */
async function act(c: C, back: string, run: () => Promise<string>) {
  const to = safeNext(back);
  const sep = to.includes('?') ? '&' : '?';
  try {
    const notice = await run();
    return c.redirect(`${to}${sep}notice=${encodeURIComponent(notice)}`, 303);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return c.redirect(`${to}${sep}error=${encodeURIComponent(err.message)}`, 303);
  }
}

const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/** The dashboard's forms. Each needs a signed-in member (viewers read only) and a same-site Origin. */
export function uiActions() {
  const app = router<AuthEnv>();
  app.use('/ui/*', formCsrf(), requireUiAuth);

  app.post('/ui/reminders/approve', async (c) => {
    const f = await formFields(c);
    return act(c, f.one('back') || '/#approvals', async () => {
      requireRole('member', c.var.principal);
      const ids = f.many('ids');
      const ledgerId = f.one('ledgerId');
      if (ledgerId && !new RegExp(`^${ID}$`).test(ledgerId)) throw new AppError('not_found', 'no such ledger');
      if (ids.length === 0 && !ledgerId) throw new AppError('validation_failed', 'select at least one reminder');
      const r = await approveReminders({ ctx: serviceCtx(c), input: ledgerId ? { ledgerId } : { ids } });
      return `${r.approved} reminder${r.approved === 1 ? '' : 's'} approved`;
    });
  });

  app.post('/ui/reminders/reject', async (c) => {
    const f = await formFields(c);
    return act(c, f.one('back') || '/#approvals', async () => {
      requireRole('member', c.var.principal);
      const ids = f.many('ids');
      const reason = f.one('reason');
      if (ids.length === 0) throw new AppError('validation_failed', 'select at least one reminder');
      if (!reason) throw new AppError('validation_failed', 'say why these reminders should not go');
      const r = await rejectReminders({ ctx: serviceCtx(c), input: { ids, reason: reason.slice(0, 500) } });
      return `${r.rejected} reminder${r.rejected === 1 ? '' : 's'} rejected: the cadence moves on to the next step`;
    });
  });

  app.post(`/ui/handoffs/:id{${ID}}/approve`, async (c) =>
    act(c, '/#approvals', async () => {
      requireRole('admin', c.var.principal);
      await approveCase({ ctx: serviceCtx(c), input: { id: c.req.param('id') } });
      return 'hand-off approved: the case goes to the agency';
    }),
  );

  const customerAction = (
    path: string,
    run: (c: C, id: string, f: Awaited<ReturnType<typeof formFields>>) => Promise<string>,
  ) =>
    app.post(`/ui/customers/:id{${ID}}/${path}`, async (c) => {
      const id = c.req.param('id');
      const f = await formFields(c);
      return act(c, `/customers/${id}`, async () => {
        requireRole('member', c.var.principal);
        return run(c, id, f);
      });
    });

  customerAction('pause', async (c, id, f) => {
    const until = f.one('until');
    if (!isDate(until)) throw new AppError('validation_failed', 'choose the date to pause until');
    // Paused through the whole chosen day in the ledger's zone.
    await setContactCollection({ ctx: serviceCtx(c), input: { contactId: id, pausedThrough: until } });
    return `reminders paused until ${until}`;
  });
  customerAction('resume', async (c, id) => {
    await setContactCollection({ ctx: serviceCtx(c), input: { contactId: id, pausedUntil: null } });
    return 'reminders resumed';
  });
  customerAction('exclude', async (c, id, f) => {
    const excluded = f.one('excluded') === 'true';
    await setContactCollection({ ctx: serviceCtx(c), input: { contactId: id, excluded } });
    return excluded ? 'customer excluded from reminders' : 'customer included in reminders again';
  });
  customerAction('handoff', async (c, id, f) => {
    const agencyId = f.one('agencyId') || null;
    const h = await createCase({
      ctx: serviceCtx(c),
      input: { contactId: id, agencyId, reason: 'opened from the customer page' },
    });
    return `hand-off case ${h.reference} opened: it waits for approval`;
  });

  const invoiceAction = (
    path: string,
    run: (c: C, id: string, f: Awaited<ReturnType<typeof formFields>>) => Promise<string>,
  ) =>
    app.post(`/ui/invoices/:id{${ID}}/${path}`, async (c) => {
      const f = await formFields(c);
      return act(c, f.one('back') || '/', async () => {
        requireRole('member', c.var.principal);
        return run(c, c.req.param('id'), f);
      });
    });

  invoiceAction('dispute', async (c, id, f) => {
    const reason = f.one('reason');
    if (f.one('clear') !== '1' && !reason) throw new AppError('validation_failed', 'say what the dispute is about');
    await setInvoiceCollection({
      ctx: serviceCtx(c),
      input: { invoiceId: id, dispute: f.one('clear') === '1' ? null : { reason: reason.slice(0, 500) } },
    });
    return f.one('clear') === '1'
      ? 'dispute resolved: reminders resume'
      : 'invoice marked disputed: its reminders stop';
  });
  invoiceAction('promise', async (c, id, f) => {
    const date = f.one('date');
    if (date && !isDate(date)) throw new AppError('validation_failed', 'a promised date looks like 2026-12-31');
    await setInvoiceCollection({ ctx: serviceCtx(c), input: { invoiceId: id, promiseToPayUntil: date || null } });
    return date ? `promise to pay by ${date} recorded` : 'promise cleared';
  });
  invoiceAction('plan', async (c, id, f) => {
    const lines = f
      .one('plan')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    const plan = lines.map((l, k) => {
      const m = /^(\d{4}-\d{2}-\d{2})\s+(\S+)$/.exec(l);
      if (m && !AMOUNT.test(m[2]!))
        throw new AppError('validation_failed', `plan line ${k + 1}: ${m[2]} is not an amount like 250.00`);
      if (!m)
        throw new AppError(
          'validation_failed',
          `plan line ${k + 1}: write a date and an amount, like "2026-12-31 250.00"`,
        );
      return { dueDate: m[1]!, amount: m[2]! };
    });
    await setInvoiceCollection({
      ctx: serviceCtx(c),
      input: { invoiceId: id, paymentPlan: plan.length ? plan : null },
    });
    return plan.length ? `payment plan of ${plan.length} instalments saved` : 'payment plan removed';
  });

  // The owner's word on a ledger's zone: a guessed one confirmed, or any one corrected.
  app.post(`/ui/connections/ledgers/:id{${ID}}/timezone`, async (c) => {
    const f = await formFields(c);
    return act(c, '/connections', async () => {
      requireRole('admin', c.var.principal);
      const timezone = f.one('timezone').trim();
      await updateLedgerSettings({ ctx: serviceCtx(c), input: { ledgerId: c.req.param('id'), timezone } });
      return `time zone set to ${timezone}`;
    });
  });

  app.post(`/ui/connections/ledgers/:id{${ID}}/disconnect`, async (c) =>
    act(c, '/connections', async () => {
      requireRole('admin', c.var.principal);
      const input = { ledgerId: c.req.param('id'), purge: false };
      const done = await disconnectLedger({ ctx: serviceCtx(c), input }, c.var.deps);
      return `disconnected${done.grantRevoked ? '; access revoked at the provider' : ''}`;
    }),
  );
  return app;
}
