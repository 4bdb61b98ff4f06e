import { ValidateBy, type ValidationOptions } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An ISO calendar day `YYYY-MM-DD` that exists, from 0001-01-01 (`2026-02-30`, `2026-13-45` and year 0
 * are refused: PostgreSQL's `::date` would fail on them with a 500).
 */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DAY.test(value) || value < '0001-01-01') return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** Validates an existing ISO calendar day; the message names the field (`<field> must be a date YYYY-MM-DD`). */
export const IsCalendarDate = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args) => `${args?.property ?? 'date'} must be a date YYYY-MM-DD`,
      },
    },
    options,
  );
