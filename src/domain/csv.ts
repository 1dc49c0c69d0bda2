/**
 * A CSV cell: quoted when it holds a comma, quote or line break; a text cell starting with
 * = + - @ is prefixed with ' so a spreadsheet never runs it as a formula.
 */
export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text (CRLF, as RFC 4180 and spreadsheets expect). */
export const toCsv = (rows: readonly (readonly (string | number | null | undefined)[])[]) =>
  `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
