/**
 * The CSV of the audit and ledger exports, written by csv-stringify as a stream: RFC 4180 (CRLF
 * records; a cell with a comma, quote, CR or LF quoted, quotes doubled), a header row of the
 * columns, null as an empty cell, booleans as `true`/`false`, and a cell a spreadsheet would read as
 * a formula (starting with `= + - @`, tab, CR or their full-width forms) given a leading `'` so it
 * shows as text (OWASP CSV injection).
 */
import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

export type CsvCell = string | number | boolean | null;

/**
 * The CSV text of `records` (one array of cells per record, in the order of `columns`), pulled only
 * as fast as the consumer reads; stopping early (a client gone) stops the source too.
 */
export async function* csvChunks(
  columns: readonly string[],
  records: AsyncIterable<CsvCell[]>,
): AsyncGenerator<string> {
  const writer = stringify({
    columns: [...columns],
    header: true,
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
  // pipeline destroys both streams on an error or an early stop, ending `records` (and its query).
  const out = pipeline(Readable.from(records), writer, () => {});
  for await (const chunk of out) yield String(chunk);
}
