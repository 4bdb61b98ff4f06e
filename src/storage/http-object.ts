/**
 * Serving stored objects over HTTP: the conditional-request and range rules (RFC 9110 §13, §14)
 * shared by the routes that send an object's bytes (catalog listing images, dispute evidence). Pure
 * functions of the request's headers and what the caller knows of the object (its ETag and size).
 */

/** If-None-Match (weak comparison, as RFC 9110 wants for it): `*` or a listed tag. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

/** What to send for a GET of an object of `size` bytes (size > 0), given its Range headers. */
export type RangeSelection =
  | { kind: 'whole' }
  /** Bytes start…end, both inclusive, within the object. */
  | { kind: 'partial'; start: number; end: number }
  /** A well-formed single range that selects nothing of the object: 416. */
  | { kind: 'unsatisfiable' };

const WHOLE: RangeSelection = { kind: 'whole' };
const SPEC = /^(\d*)-(\d*)$/;

/**
 * Picks the part of an object a GET asks for. Only single byte ranges are served — `bytes=a-b`,
 * `bytes=a-` and `bytes=-n` (the last n bytes); anything else is answered with the whole object, as
 * RFC 9110 §14.2 allows: another unit, a malformed header, several ranges, or an If-Range that does
 * not match the current ETag strongly (an HTTP-date If-Range never matches: no Last-Modified is sent).
 * `end` past the object's end is cut to it; a range that starts past it (or `bytes=-0`) is unsatisfiable.
 */
export function selectRange(
  range: string | undefined,
  ifRange: string | undefined,
  etag: string,
  size: number,
): RangeSelection {
  if (range === undefined) return WHOLE;
  if (ifRange !== undefined && ifRange.trim() !== etag) return WHOLE;
  const eq = range.indexOf('=');
  if (eq < 0 || range.slice(0, eq).trim().toLowerCase() !== 'bytes') return WHOLE;
  const set = range.slice(eq + 1).trim();
  if (set.includes(',')) return WHOLE;
  const m = SPEC.exec(set);
  if (!m) return WHOLE;
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '') {
    if (last === '') return WHOLE;
    const n = Number(last);
    return n === 0
      ? { kind: 'unsatisfiable' }
      : { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return WHOLE;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** `Content-Range` of a 206 (`bytes 0-99/1000`) or, without a range, of a 416 (`bytes *\/1000`). */
export function contentRange(size: number, range?: { start: number; end: number }): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
