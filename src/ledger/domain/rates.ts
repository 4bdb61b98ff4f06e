/**
 * Effective-dated rate tables. Rates are DATA passed in by the caller (loaded from configuration,
 * e.g. ledger-spec/rates.json): no tax or commission rate is a constant in logic.
 */
import { assert } from './assert.js';
import { Decimal } from './money.js';

export interface RateScheduleEntry {
  /** First day (ISO `YYYY-MM-DD`, India Standard Time) on which the rate applies. */
  readonly effectiveFrom: string;
  /** A decimal fraction as a string: `"0.005"` is 0.5 %. */
  readonly rate: string;
}

export interface RateSchedule {
  readonly name: string;
  readonly description?: string;
  readonly entries: readonly RateScheduleEntry[];
}

export interface RateBook {
  readonly schedules: readonly RateSchedule[];
}

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/** Asserts a schedule is well formed: valid dates strictly ascending, rates in [0, 1). */
export function assertValidSchedule(schedule: RateSchedule): void {
  assert(schedule.entries.length > 0, `rate schedule ${schedule.name}: no entries`);
  let previous = '';
  for (const e of schedule.entries) {
    assert(
      ISO_DATE.test(e.effectiveFrom),
      `rate schedule ${schedule.name}: bad date ${e.effectiveFrom}`,
    );
    assert(
      e.effectiveFrom > previous,
      `rate schedule ${schedule.name}: dates must ascend strictly`,
    );
    assert(DECIMAL.test(e.rate), `rate schedule ${schedule.name}: bad rate ${e.rate}`);
    assert(new Decimal(e.rate).lt(1), `rate schedule ${schedule.name}: rate must be below 1`);
    previous = e.effectiveFrom;
  }
}

/** The rate in force on `date` (ISO `YYYY-MM-DD`): the entry with the latest effectiveFrom ≤ date. */
export function rateOn(schedule: RateSchedule, date: string): Decimal {
  assert(ISO_DATE.test(date), `not an ISO date: ${date}`);
  assertValidSchedule(schedule);
  let found: RateScheduleEntry | undefined;
  for (const e of schedule.entries) if (e.effectiveFrom <= date) found = e;
  assert(found !== undefined, `rate schedule ${schedule.name}: no rate in force on ${date}`);
  return new Decimal(found.rate);
}

export function scheduleNamed(book: RateBook, name: string): RateSchedule {
  const schedule = book.schedules.find((s) => s.name === name);
  assert(schedule !== undefined, `no rate schedule named ${name}`);
  return schedule;
}

export function rateFrom(book: RateBook, name: string, date: string): Decimal {
  return rateOn(scheduleNamed(book, name), date);
}

/** The India Standard Time (UTC+05:30, no DST) calendar date of an instant: tax periods are IST. */
export function istDate(epochMs: number): string {
  return new Date(epochMs + 330 * 60 * 1000).toISOString().slice(0, 10);
}
