import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppProblem } from './errors/problem.js';
import { UUID } from './uuid.js';

export const PAGE_SIZE_DEFAULT = 20;
/** No list endpoint returns more than this many items per page. */
export const PAGE_SIZE_MAX = 100;

/** Query of every list endpoint: cursor pagination, page size capped at PAGE_SIZE_MAX. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  limit: number = PAGE_SIZE_DEFAULT;

  @ApiPropertyOptional({
    maxLength: 512,
    description: 'Opaque cursor returned as nextCursor by the previous page',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to fetch the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * Cursors are opaque to clients: base64url of a JSON position (the last row's sort key). The
 * encoder of every keyset-paginated list; `parseKeysetCursor` reads it back.
 */
export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The JSON object inside a cursor, or undefined when it is not base64url of one. */
export function decodeCursor(cursor: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A check of one field of a cursor position. */
export type CursorField<T> = (value: unknown) => value is T;

const matching =
  (pattern: RegExp): CursorField<string> =>
  (v): v is string =>
    typeof v === 'string' && pattern.test(v);

/** The fields keyset cursors are made of. */
export const cursorFields = {
  /** What PostgreSQL's `timestamptz::text` prints (`2026-11-02 04:30:00.123456+00`). */
  pgTimestamp: matching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/),
  /** A UTC ISO-8601 instant with up to microseconds (`2026-11-02T04:30:00.123456Z`). */
  isoTimestamp: matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/),
  uuid: matching(UUID),
  /** A positive bigint identity (e.g. `ledger_entries.seq`) as decimal text. */
  seqText: matching(/^[1-9][0-9]{0,17}$/),
  /** Text matching `pattern`. */
  matching,
  /** Any string. */
  text: (v: unknown): v is string => typeof v === 'string',
  /** An integer in [min, max]. */
  integer:
    (min: number, max: number): CursorField<number> =>
    (v): v is number =>
      typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max,
  /** Any finite number. */
  number: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  /** One of `values`. */
  oneOf:
    <T extends string>(values: readonly T[]): CursorField<T> =>
    (v): v is T =>
      (values as readonly unknown[]).includes(v),
} as const;

export type CursorPosition<S extends Record<string, CursorField<unknown>>> = {
  [K in keyof S]: S[K] extends CursorField<infer T> ? T : never;
};

/**
 * 400 `request/invalid-cursor`, naming the query field (like a validation error): every list's
 * refusal of a cursor, `message` saying why when the list knows more (catalog search: a cursor of
 * a search with other criteria).
 */
export function invalidCursor(message = 'cursor is not one this endpoint returned'): AppProblem {
  return new AppProblem(400, 'request/invalid-cursor', 'Bad request', 'The cursor is not valid', {
    errors: [{ field: 'cursor', in: 'query', messages: [message] }],
  });
}

/**
 * The position in a keyset cursor (`encodeCursor`'s output): exactly the fields of `schema`, each
 * passing its check, or 400 `request/invalid-cursor`. No cursor, no position.
 */
export function parseKeysetCursor<S extends Record<string, CursorField<unknown>>>(
  cursor: string,
  schema: S,
): CursorPosition<S>;
export function parseKeysetCursor<S extends Record<string, CursorField<unknown>>>(
  cursor: string | undefined,
  schema: S,
): CursorPosition<S> | undefined;
export function parseKeysetCursor<S extends Record<string, CursorField<unknown>>>(
  cursor: string | undefined,
  schema: S,
): CursorPosition<S> | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor);
  if (
    position === undefined ||
    Object.keys(position).length !== Object.keys(schema).length ||
    !Object.entries(schema).every(([k, check]) => Object.hasOwn(position, k) && check(position[k]))
  )
    throw invalidCursor();
  return position as CursorPosition<S>;
}
