import type { Context } from 'hono';
import { BUILT_IN_TEMPLATES, type Rendered } from '../../domain/cadence/templates.ts';
import { PolicySchema, type TONES } from '../../domain/cadence/policy.ts';
import { AppError, ValidationError } from '../../errors.ts';
import { createAgency, listAgencies } from '../../services/handoff/agencies.ts';
import { listLedgers, setSafeMode } from '../../services/ledgers.ts';
import { createPolicy, listPolicies, setRiskBandPolicies } from '../../services/reminders/policy-admin.ts';
import { previewTemplate } from '../../services/reminders/templates.ts';
import { Layout } from '../../ui/layout.tsx';
import { acrossFirms } from '../../db/isolation.ts';
import { firmsOf } from '../../services/firm-admin.ts';
import { createSession } from '../../services/sessions.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { formCsrf, formFields, requireUiAuth, ID } from './guard.ts';

type Preview = { subject: string; body: string; rendered?: Rendered; error?: string };
const BANDS = ['low', 'medium', 'high'] as const;

/** "-3 friendly", "0 friendly", "30 final handoff": one cadence step per line. */
function parseSteps(text: string) {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, k) => {
      const m = /^(-?\d{1,3})\s+(friendly|neutral|firm|final)(\s+handoff)?$/.exec(line);
      if (!m)
        throw new ValidationError(
          `step ${k + 1}: write days from the due date and a tone, like "7 firm" (add "handoff" to hand off)`,
        );
      const offset = Number(m[1]);
      return {
        key: offset < 0 ? `pre${offset}` : offset === 0 ? 'due' : `post+${offset}`,
        offsetDays: offset,
        tone: m[2] as (typeof TONES)[number],
        template: m[2]!,
        kind: m[3] ? ('handoff' as const) : ('email' as const),
        cc: [],
      };
    });
}

async function page(
  c: Context<AuthEnv>,
  preview: Preview,
  extra: { notice?: string | null; error?: string | null } = {},
) {
  const ctx = serviceCtx(c);
  const [ledgers, policies, agencies] = await Promise.all([
    listLedgers({ ctx }),
    listPolicies({ ctx }),
    listAgencies({ ctx }),
  ]);
  const actor = c.var.principal.actor;
  const firms =
    actor.type === 'user'
      ? await acrossFirms(ctx.db, 'the firms a user belongs to', ctx.logger, (db) => firmsOf(db, actor.userId))
      : [];
  return c.html(
    <Layout
      title="Settings"
      user={c.var.principal}
      notice={extra.notice ?? c.req.query('notice')}
      error={extra.error ?? c.req.query('error')}
    >
      {firms.length > 1 ? (
        <section class="card" aria-labelledby="firms">
          <h2 id="firms">Your firms</h2>
          <ul>
            {firms.map((f) => (
              <li>
                {f.name} ({f.role})
                {f.id === ctx.firmId ? (
                  ' · current'
                ) : (
                  <form class="inline" method="post" action="/ui/switch-firm">
                    <input type="hidden" name="firmId" value={f.id} />
                    <button type="submit" class="secondary">{`Switch to ${f.name}`}</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section class="card" aria-labelledby="ledgers">
        <h2 id="ledgers">Ledgers</h2>
        {ledgers.map((l) => (
          <form method="post" action={`/ui/settings/ledgers/${l.id}`}>
            <h3>{l.name}</h3>
            <label>
              <input type="checkbox" name="safeMode" value="on" checked={l.safeMode} /> Safe mode: every reminder waits
              for approval
            </label>
            {BANDS.map((b) => (
              <div>
                <label for={`band-${l.id}-${b}`}>{`Cadence for ${b}-risk customers`}</label>
                <select id={`band-${l.id}-${b}`} name={`band_${b}`}>
                  <option value="">Ledger default</option>
                  {policies.map((p) => (
                    <option value={p.id} selected={l.byRiskBand[b] === p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </div>
            ))}
            <p>
              <button type="submit">Save {l.name}</button>
            </p>
          </form>
        ))}
      </section>

      <section class="card" aria-labelledby="policies">
        <h2 id="policies">Cadence policies</h2>
        <ul>
          {policies.map((p) => (
            <li>
              <b>{p.name}</b>
              {p.builtIn ? ' (built in)' : ''}:{' '}
              {p.steps
                .map(
                  (s) =>
                    `${s.offsetDays >= 0 ? '+' : ''}${s.offsetDays}d ${s.tone}${s.kind === 'handoff' ? ' → hand-off' : ''}`,
                )
                .join(', ')}{' '}
              · sends{' '}
              {p.sendWindow.weekdays
                ? `${p.sendWindow.weekdays[0]}–${p.sendWindow.weekdays[1]} on weekdays`
                : 'never on weekdays'}
              {p.sendWindow.weekends ? `, ${p.sendWindow.weekends[0]}–${p.sendWindow.weekends[1]} at weekends` : ''}
            </li>
          ))}
        </ul>
        <form method="post" action="/ui/policies">
          <h3>New policy</h3>
          <label for="policy-name">Name</label>
          <input id="policy-name" name="name" required maxlength={80} />
          <label for="policy-steps">
            Steps: days from the due date and a tone (friendly, neutral, firm, final), one per line
          </label>
          <textarea id="policy-steps" name="steps" required>
            {'-3 friendly\n3 neutral\n14 firm\n30 final'}
          </textarea>
          <label for="window-start">Send from (debtor's local time)</label>
          <input id="window-start" name="from" type="time" value="09:00" required />
          <label for="window-end">Send until</label>
          <input id="window-end" name="until" type="time" value="17:00" required />
          <label>
            <input type="checkbox" name="weekends" value="on" /> Also at weekends
          </label>
          <label>
            <input type="checkbox" name="skipHolidays" value="on" checked /> Skip public holidays
          </label>
          <p>
            <button type="submit">Create policy</button>
          </p>
        </form>
      </section>

      <section class="card" aria-labelledby="templates">
        <h2 id="templates">Templates</h2>
        <p>
          Start from a built-in template:{' '}
          {Object.keys(BUILT_IN_TEMPLATES).map((k) => (
            <a href={`/settings?template=${k}#templates`}>{k} </a>
          ))}
        </p>
        <form method="post" action="/ui/templates/preview">
          <label for="tpl-subject">Subject</label>
          <input id="tpl-subject" name="subject" value={preview.subject} required maxlength={200} style="width:100%" />
          <label for="tpl-body">
            Body (placeholders like {'{{contact_name}}'}, {'{{statement}}'}, {'{{pay_link}}'})
          </label>
          <textarea id="tpl-body" name="body" required>
            {preview.body}
          </textarea>
          <p>
            <button type="submit">Preview</button>
          </p>
        </form>
        {preview.error ? (
          <p class="error" role="alert">
            {preview.error}
          </p>
        ) : null}
        {preview.rendered ? (
          <div aria-live="polite">
            <h3>Preview</h3>
            <p>
              <b>Subject:</b> <span id="preview-subject">{preview.rendered.subject}</span>
            </p>
            <pre class="preview" id="preview-text">
              {preview.rendered.text}
            </pre>
          </div>
        ) : null}
      </section>

      <section class="card" aria-labelledby="agencies">
        <h2 id="agencies">Collection agencies</h2>
        <ul>
          {agencies.map((a) => (
            <li>
              <b>{a.name}</b>:{' '}
              {a.delivery.method === 'webhook'
                ? `signed webhook to ${a.delivery.url}`
                : `email to ${a.delivery.to.join(', ')}`}{' '}
              · DPA {a.dpaReference ?? 'missing: add it before the first case'}
            </li>
          ))}
        </ul>
        <form method="post" action="/ui/agencies">
          <h3>Add an agency</h3>
          <label for="agency-name">Name</label>
          <input id="agency-name" name="name" required maxlength={200} />
          <label for="agency-email">Cases by email to</label>
          <input id="agency-email" name="email" type="email" />
          <label for="agency-url">or by signed webhook to (https)</label>
          <input id="agency-url" name="url" type="url" />
          <label for="agency-dpa">Data-processing agreement reference</label>
          <input id="agency-dpa" name="dpa" maxlength={200} />
          <p>
            <button type="submit">Add agency</button>
          </p>
        </form>
      </section>
    </Layout>,
  );
}

/** Settings: ledgers (safe mode, cadence per risk band), policies, template preview, agencies. */
export function settingsPages() {
  const app = router<AuthEnv>();
  app.use('/settings', requireUiAuth);
  app.use('/ui/settings/*', formCsrf(), requireUiAuth);
  app.use('/ui/policies', formCsrf(), requireUiAuth);
  app.use('/ui/templates/*', formCsrf(), requireUiAuth);
  app.use('/ui/agencies', formCsrf(), requireUiAuth);
  app.use('/ui/switch-firm', formCsrf(), requireUiAuth);

  app.post('/ui/switch-firm', async (c) => {
    const f = await formFields(c);
    const actor = c.var.principal.actor;
    const { database, clock, logger } = c.var.deps;
    if (actor.type !== 'user')
      return c.redirect(`/settings?error=${encodeURIComponent('you are not in that firm')}`, 303);
    const { target, token } = await acrossFirms(database.db, 'switching a user to another firm', logger, async (db) => {
      const target = (await firmsOf(db, actor.userId)).find((m) => m.id === f.one('firmId'));
      return { target, token: target ? await createSession(db, actor.userId, target.id, clock.now()) : null };
    });
    if (!target || !token) return c.redirect(`/settings?error=${encodeURIComponent('you are not in that firm')}`, 303);
    setSessionCookie(c, token);
    return c.redirect(`/?notice=${encodeURIComponent(`Now working in ${target.name}.`)}`, 303);
  });

  app.get('/settings', (c) => {
    const t = BUILT_IN_TEMPLATES[c.req.query('template') ?? 'friendly'] ?? BUILT_IN_TEMPLATES.friendly!;
    return page(c, { subject: t.subject, body: t.body });
  });

  const attempt = async (c: Context<AuthEnv>, run: () => Promise<string>) => {
    try {
      return c.redirect(`/settings?notice=${encodeURIComponent(await run())}`, 303);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const detail = (err.details as { issues?: { message: string }[] } | undefined)?.issues
        ?.map((i) => i.message)
        .join('; ');
      return c.redirect(
        `/settings?error=${encodeURIComponent(detail ? `${err.message}: ${detail}` : err.message)}`,
        303,
      );
    }
  };

  app.post(`/ui/settings/ledgers/:id{${ID}}`, async (c) => {
    const f = await formFields(c);
    return attempt(c, async () => {
      requireRole('admin', c.var.principal);
      const ctx = serviceCtx(c);
      const ledgerId = c.req.param('id');
      await setSafeMode({ ctx, input: { ledgerId, safeMode: f.one('safeMode') === 'on' } });
      const byRiskBand = Object.fromEntries(BANDS.map((b) => [b, f.one(`band_${b}`)]).filter(([, v]) => v));
      await setRiskBandPolicies({ ctx, input: { ledgerId, byRiskBand } });
      return 'ledger settings saved';
    });
  });

  app.post('/ui/policies', async (c) => {
    const f = await formFields(c);
    return attempt(c, async () => {
      requireRole('admin', c.var.principal);
      const window = [f.one('from'), f.one('until')] as [string, string];
      const parsed = PolicySchema.safeParse({
        name: f.one('name'),
        steps: parseSteps(f.one('steps')),
        sendWindow: {
          weekdays: window,
          weekends: f.one('weekends') === 'on' ? window : null,
          skipHolidays: f.one('skipHolidays') === 'on',
        },
      });
      if (!parsed.success)
        throw new ValidationError(
          'the policy is not valid',
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      const p = await createPolicy({ ctx: serviceCtx(c), input: parsed.data });
      return `policy "${p.name}" created`;
    });
  });

  app.post('/ui/templates/preview', async (c) => {
    const f = await formFields(c);
    const t = { subject: f.one('subject'), body: f.one('body') };
    try {
      return page(c, {
        ...t,
        rendered: previewTemplate(t, { businessName: 'Your Business Ltd', contactName: 'Alex Customer' }),
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const detail = (err.details as { issues: { message: string }[] }).issues.map((i) => i.message).join('; ');
      return page(c, { ...t, error: detail ? `${err.message}: ${detail}` : err.message });
    }
  });

  app.post('/ui/agencies', async (c) => {
    const f = await formFields(c);
    const t = BUILT_IN_TEMPLATES.friendly!;
    try {
      requireRole('admin', c.var.principal);
      const email = f.one('email');
      const url = f.one('url');
      if (!email === !url) throw new ValidationError('give either an email address or a webhook URL');
      if (url && !/^https:\/\//.test(url)) throw new ValidationError('the webhook URL must start with https://');
      const a = await createAgency(
        {
          ctx: serviceCtx(c),
          input: {
            name: f.one('name'),
            delivery: email ? { method: 'email', to: [email] } : { method: 'webhook', url },
            fieldAllowList: [
              'debtor.name',
              'debtor.legalName',
              'debtor.addresses',
              'debtor.emails',
              'invoices',
              'invoices.link',
              'statement',
            ],
            dpaReference: f.one('dpa') || null,
          },
        },
        c.var.deps.cipher,
      );
      // Rendered, not redirected: the secret must not travel in a URL (history, logs).
      const notice =
        a.delivery.method === 'webhook'
          ? `Agency added. Give it this signing secret now; it is not shown again: ${a.secret}`
          : 'Agency added.';
      return page(c, t, { notice });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return page(c, t, { error: err.message });
    }
  });
  return app;
}
