/**
 * Shared pieces of the payment views and the alert list: keyset cursors on (timestamp, uuid),
 * PostgreSQL's date refusals turned into 400s, and paise as exact JSON numbers.
 */
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import { periodOf, type PeriodQueryDto } from '../../common/period.js';

/** What a cursor's tie-breaker is: a uuid, or a bigint sequence number. */
export type CursorId = 'uuid' | 'seq';

/** SQL rendering a timestamptz as the cursor's text (microseconds, UTC). */
export const cursorTime = (expr: string): string =>
  `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The page (first `limit` rows) and the cursor after its last row when more follow. */
export function pageOf<T extends { cursor_at: string; cursor_id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor?: string } {
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items[items.length - 1] : undefined;
  return {
    items,
    ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.cursor_id }) } : {}),
  };
}

/** Runs a query, turning PostgreSQL's refusal of a date (22007, 22008) into a 400. */
export async function checkedDates<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code;
    if (code === '22007' || code === '22008')
      throw new AppProblem(
        400,
        'request/invalid-date',
        'Bad request',
        'A date in the query (from, to or the cursor) is not a valid date',
      );
    throw err;
  }
}

/** A bigint column (as text) as a JSON number; beyond 2^53 − 1 it is refused, never rounded. */
export function paise(text: string | null): number {
  if (text === null) return 0;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${text} exceeds 2^53 - 1 paise`);
  return n;
}

export function paiseOrNull(text: string | null): number | null {
  return text === null ? null : paise(text);
}

export const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** A WHERE clause built from optional filters, with numbered parameters. */
export class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  add(sql: (n: number) => string, value: unknown): void {
    this.params.push(value);
    this.clauses.push(sql(this.params.length));
  }
  /** A parameter of no condition (one the query's joins or select list use): its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  /** A condition without a parameter. */
  holds(sql: string): void {
    this.clauses.push(sql);
  }
  /** `column` within the query's period (`periodOf`: 400 if `to` is before `from`). */
  period(column: string, q: PeriodQueryDto): void {
    periodOf(q);
    if (q.from !== undefined) this.add((n) => `${column} >= $${n}::timestamptz`, q.from);
    if (q.to !== undefined) this.add((n) => `${column} < $${n}::timestamptz`, q.to);
  }
  keyset(
    cursor: string | undefined,
    at: string,
    id: string,
    direction: '<' | '>' = '<',
    idType: CursorId = 'uuid',
  ): void {
    const p = parseKeysetCursor(cursor, {
      at: cursorFields.isoTimestamp,
      id: idType === 'uuid' ? cursorFields.uuid : cursorFields.seqText,
    });
    if (!p) return;
    this.params.push(p.at, p.id);
    const n = this.params.length;
    const cast = idType === 'uuid' ? 'uuid' : 'bigint';
    this.clauses.push(`(${at}, ${id}) ${direction} ($${n - 1}::timestamptz, $${n}::${cast})`);
  }
  sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
  limit(limit: number): string {
    this.params.push(limit + 1);
    return `LIMIT $${this.params.length}`;
  }
}
