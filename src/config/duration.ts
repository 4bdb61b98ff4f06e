/**
 * Durations in settings: a whole number with a unit, `m` (minutes), `h` (hours) or `d` (days) —
 * `10m`, `36h`, `7d` — or a plain whole number, read as hours (what hour-only settings always took).
 */
const DURATION = /^([0-9]{1,7})\s*([mhd]?)$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** The duration `text` stands for, in seconds, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (m === null) return null;
  return Number(m[1]) * UNIT_SECONDS[(m[2] || 'h') as keyof typeof UNIT_SECONDS];
}

/** Seconds written back in the largest unit that divides them: 604800 → `7d`, 600 → `10m`. */
export function formatDuration(seconds: number): string {
  if (seconds % UNIT_SECONDS.d === 0) return `${seconds / UNIT_SECONDS.d}d`;
  if (seconds % UNIT_SECONDS.h === 0) return `${seconds / UNIT_SECONDS.h}h`;
  if (seconds % UNIT_SECONDS.m === 0) return `${seconds / UNIT_SECONDS.m}m`;
  return `${seconds}s`;
}
