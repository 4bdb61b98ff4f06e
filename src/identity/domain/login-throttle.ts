/** Failed sign-ins recorded for one key (an account identifier or a client IP). */
export interface ThrottleRecord {
  failures: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
  lockedUntil: Date | null;
}

export interface ThrottlePolicy {
  slowdownAfterFailures: number;
  lockoutAfterFailures: number;
  lockoutSeconds: number;
  failureWindowSeconds: number;
}

export type ThrottleVerdict =
  { allowed: true } | { allowed: false; locked: boolean; retryAt: Date };

function stale(r: ThrottleRecord, now: Date, p: ThrottlePolicy): boolean {
  return (
    now.getTime() - r.firstFailureAt.getTime() > p.failureWindowSeconds * 1000 &&
    !(r.lockedUntil && r.lockedUntil > now)
  );
}

/**
 * May another attempt be made now? Locked keys wait out the lockout. From `slowdownAfterFailures` on,
 * each attempt must wait twice as long after the last failure as the one before (1 s, 2 s, 4 s, ...).
 * Failures older than the window are forgotten.
 */
export function throttleVerdict(
  r: ThrottleRecord | undefined,
  now: Date,
  p: ThrottlePolicy,
): ThrottleVerdict {
  if (!r || stale(r, now, p)) return { allowed: true };
  if (r.lockedUntil && r.lockedUntil > now)
    return { allowed: false, locked: true, retryAt: r.lockedUntil };
  if (r.failures >= p.slowdownAfterFailures) {
    const waitMs = 1000 * 2 ** (r.failures - p.slowdownAfterFailures);
    const retryAt = new Date(r.lastFailureAt.getTime() + waitMs);
    if (retryAt > now) return { allowed: false, locked: false, retryAt };
  }
  return { allowed: true };
}

/** The record after one more failure at `now`; reaching `lockoutAfterFailures` locks the key. */
export function recordFailure(
  r: ThrottleRecord | undefined,
  now: Date,
  p: ThrottlePolicy,
): ThrottleRecord {
  const fresh = !r || stale(r, now, p);
  const failures = fresh ? 1 : r.failures + 1;
  return {
    failures,
    firstFailureAt: fresh ? now : r.firstFailureAt,
    lastFailureAt: now,
    lockedUntil:
      failures >= p.lockoutAfterFailures ? new Date(now.getTime() + p.lockoutSeconds * 1000) : null,
  };
}
