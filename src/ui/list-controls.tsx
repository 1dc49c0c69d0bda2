/**
 * What the list pages (invoices, customers) share: filters read from the address and written back
 * into links (a filtered list is a link to share), a select that keeps the reader's choice, and
 * paging.
 */

/** The query's non-empty values for the keys a list knows (and `offset`); the rest is ignored. */
export function listFilters(query: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([k, v]) => v !== '' && (keys.includes(k) || k === 'offset')));
}

/** The list's address with its filters, some changed. */
export const listHref = (path: string, filters: Record<string, string>, over: Record<string, string | number> = {}) =>
  `${path}?${new URLSearchParams(Object.entries({ ...filters, ...over }).map(([k, v]) => [k, String(v)] as [string, string])).toString()}`;

export function Choice(props: {
  name: string;
  label: string;
  value?: string;
  options: readonly string[];
  any?: string;
}) {
  return (
    <label>
      {props.label}{' '}
      <select name={props.name}>
        {props.any ? <option value="">{props.any}</option> : null}
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LedgerChoice(props: { ledgers: readonly { id: string; name: string }[]; value?: string }) {
  return (
    <label>
      Ledger{' '}
      <select name="ledgerId">
        <option value="">all ledgers</option>
        {props.ledgers.map((l) => (
          <option value={l.id} selected={l.id === props.value}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Pager(props: {
  path: string;
  filters: Record<string, string>;
  page: { total: number; limit: number; offset: number; shown: number };
}) {
  const { total, limit, offset, shown } = props.page;
  const last = offset + shown;
  return (
    <nav aria-label="Pages">
      {offset > 0 ? (
        <a href={listHref(props.path, props.filters, { offset: Math.max(0, offset - limit) })}>Previous</a>
      ) : null}{' '}
      {last < total ? <a href={listHref(props.path, props.filters, { offset: last })}>Next</a> : null}
    </nav>
  );
}

/** "1–50 of 212 invoices", or that nothing matches. */
export const rangeText = (page: { total: number; offset: number; shown: number }, noun: string) =>
  page.total === 0 ? `No ${noun} match` : `${page.offset + 1}–${page.offset + page.shown} of ${page.total} ${noun}`;
