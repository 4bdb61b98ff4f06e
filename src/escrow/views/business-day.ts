/**
 * Business days for reconciliation are Indian calendar days (IST, UTC+05:30, no daylight saving):
 * the day `YYYY-MM-DD` is [00:00 IST, next 00:00 IST).
 */
const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The window of a business day, or undefined when `date` is not a real calendar date. */
export function businessDayWindow(date: string): { from: Date; to: Date } | undefined {
  const m = DATE.exec(date);
  if (m === null) return undefined;
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(utcMidnight).toISOString().slice(0, 10) !== date) return undefined;
  const from = utcMidnight - IST_OFFSET_MS;
  return { from: new Date(from), to: new Date(from + DAY_MS) };
}

/** The business day (IST) an instant falls in. */
export function businessDayOf(at: Date): string {
  return new Date(at.getTime() + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The business day before the one `at` falls in. */
export function previousBusinessDay(at: Date): string {
  return businessDayOf(new Date(at.getTime() - DAY_MS));
}
