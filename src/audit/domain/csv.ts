/** Cells a spreadsheet would evaluate as a formula (OWASP CSV injection: = + - @, tab and CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: null is empty; a value starting like a formula gets a leading `'` so spreadsheets
 * show it as text; a value containing a quote, comma, CR or LF is quoted with quotes doubled.
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvRow(values: readonly (string | number | boolean | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
