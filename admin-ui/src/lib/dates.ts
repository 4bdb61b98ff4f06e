/** Dates on the console are shown in India Standard Time (UTC+05:30, no daylight saving). */
export const IST = 'Asia/Kolkata';

const dateTime = new Intl.DateTimeFormat('en-IN', {
  timeZone: IST,
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat('en-IN', {
  timeZone: IST,
  day: '2-digit',
  month: 'short',
  year: 'numeric',
});

/** "07 Dec 2026, 09:15:02 IST" from an ISO-8601 instant. */
export function formatIstDateTime(iso: string): string {
  return `${dateTime.format(new Date(iso))} IST`;
}

export function formatIstDate(iso: string): string {
  return dateOnly.format(new Date(iso));
}

/** The IST calendar day (YYYY-MM-DD) an instant falls on. */
export function istDay(at: Date = new Date()): string {
  return new Date(at.getTime() + 330 * 60_000).toISOString().slice(0, 10);
}

/** The instant an IST day (YYYY-MM-DD) starts, as the API takes periods: `2026-11-02T00:00:00+05:30`. */
export function istDayStart(day: string): string {
  return `${day}T00:00:00+05:30`;
}

/** The instant an IST day ends (the next day's start): "as of" a day means at its end. */
export function istDayEnd(day: string): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return istDayStart(next.toISOString().slice(0, 10));
}

/** The IST day before `day`. */
export function previousIstDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
