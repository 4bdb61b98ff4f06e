import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { AppProblem, ValidationProblem } from './errors/problem.js';

/**
 * A period `[from, to)` in the query of a list or a report, on the time the route names: two
 * ISO-8601 instants with their offset (`2026-11-02T00:00:00+05:30` is the start of an Indian
 * calendar day), both optional. `periodOf` reads it and refuses `to` before `from`.
 */
export class PeriodQueryDto {
  @ApiPropertyOptional({ description: 'At or after this instant (ISO 8601, inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Before this instant (ISO 8601, exclusive); not before `from`.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export interface Period {
  /** Inclusive lower bound. */
  readonly from?: Date;
  /** Exclusive upper bound. */
  readonly to?: Date;
}

/** An ISO-8601 instant already checked by the DTO, as a Date (400 naming the field if out of range). */
export function queryInstant(text: string, field: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new ValidationProblem([
      { field, in: 'query', messages: [`${field} must be a valid ISO 8601 instant`] },
    ]);
  return date;
}

/**
 * The query's period as Dates, a missing bound taken from `defaults` (e.g. today in IST); 400
 * `request/invalid-period` (naming `to`) when `to` is before `from`. An empty period (`from` =
 * `to`) is allowed: it holds nothing.
 */
export function periodOf(query: PeriodQueryDto, defaults: Period = {}): Period {
  const from = query.from === undefined ? defaults.from : queryInstant(query.from, 'from');
  const to = query.to === undefined ? defaults.to : queryInstant(query.to, 'to');
  if (from !== undefined && to !== undefined && to < from)
    throw new AppProblem(400, 'request/invalid-period', 'Bad request', '`to` is before `from`', {
      errors: [{ field: 'to', in: 'query', messages: ['to must not be before from'] }],
    });
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}
