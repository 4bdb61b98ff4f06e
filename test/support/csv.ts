import { parse } from 'csv-parse/sync';

/** A strict RFC 4180 parser (CRLF records, quoted fields with doubled quotes): the test's oracle. */
export function parseCsv(text: string): string[][] {
  return parse(text, { record_delimiter: '\r\n' });
}
