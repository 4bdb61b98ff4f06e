import type { BucketLimit } from '../config/rate-limit-policy.js';

/**
 * The limiter's arithmetic, pure so it can be tested on its own. The in-memory store calls these
 * functions; the Redis store runs the same steps in Lua (redis.store.ts) and must stay in step with them.
 * Times are milliseconds.
 */

/** A bucket as stored: tokens left (fractional) at a moment. A bucket never seen is full. */
export interface BucketState {
  tokens: number;
  at: number;
}

/** Tokens added per millisecond. */
export function refillRatePerMs(limit: BucketLimit): number {
  return limit.perMinute / 60_000;
}

/** Tokens in the bucket at `now`: what was left, plus the refill since, capped at the burst size. */
export function tokensAt(state: BucketState | undefined, limit: BucketLimit, now: number): number {
  if (!state) return limit.burst;
  const elapsed = Math.max(0, now - state.at); // a clock stepping back refills nothing
  return Math.min(limit.burst, state.tokens + elapsed * refillRatePerMs(limit));
}

/** After this long a bucket is full again, so its stored state can expire. */
export function bucketTtlMs(tokens: number, limit: BucketLimit): number {
  return Math.ceil(Math.max(0, limit.burst - tokens) / refillRatePerMs(limit)) + 1000;
}

export interface TakeOutcome {
  allowed: boolean;
  /** When refused: how long until every bucket holds a token again (>= 1 ms). 0 when allowed. */
  retryAfterMs: number;
  /** New state of each bucket to store when allowed; empty when refused (a refused request costs nothing). */
  states: BucketState[];
  /** Whole tokens left in each bucket. */
  remaining: number[];
}

/**
 * Takes one token from every bucket, or from none: a request passes only if each of its buckets (the
 * caller's own, the per-IP ceiling) has a token, so a refusal by one does not drain the others.
 */
export function takeAll(
  states: readonly (BucketState | undefined)[],
  limits: readonly BucketLimit[],
  now: number,
): TakeOutcome {
  const tokens = limits.map((limit, i) => tokensAt(states[i], limit, now));
  let retryAfterMs = 0;
  tokens.forEach((t, i) => {
    if (t < 1) {
      retryAfterMs = Math.max(retryAfterMs, Math.ceil((1 - t) / refillRatePerMs(limits[i]!)));
    }
  });
  const allowed = retryAfterMs === 0;
  const after = allowed ? tokens.map((t) => t - 1) : tokens;
  return {
    allowed,
    retryAfterMs,
    states: allowed ? after.map((t) => ({ tokens: t, at: now })) : [],
    remaining: after.map((t) => Math.max(0, Math.floor(t))),
  };
}

/** Abuse penalty: points that leak away linearly, a full threshold's worth over `decayMs`. */
export interface PenaltyState {
  points: number;
  at: number;
}

export interface PenaltyRule {
  threshold: number;
  decayMs: number;
}

export function penaltyAt(state: PenaltyState | undefined, rule: PenaltyRule, now: number): number {
  if (!state) return 0;
  const elapsed = Math.max(0, now - state.at);
  return Math.max(0, state.points - (elapsed * rule.threshold) / rule.decayMs);
}

/**
 * Whether a penalty blocks. A partly decayed point still counts as a whole one until it is gone, so N
 * penalized responses in quick succession reach a threshold of N (4.999 points would otherwise not).
 */
export function reachesThreshold(points: number, rule: PenaltyRule): boolean {
  return Math.ceil(points) >= rule.threshold;
}

/** Until this long has passed, the penalty has not fully decayed. */
export function penaltyTtlMs(points: number, rule: PenaltyRule): number {
  return Math.ceil((points * rule.decayMs) / rule.threshold) + 1000;
}
