import { z } from 'zod';
import type { Role } from '../common/roles.js';

/** API categories a route belongs to for rate limiting (`@RateLimitCategory()`; `default` otherwise). */
export const RATE_LIMIT_CATEGORIES = [
  'auth',
  'orders',
  'chat',
  'inventory',
  'location',
  'default',
] as const;
export type RateLimitCategory = (typeof RATE_LIMIT_CATEGORIES)[number];

export interface BucketLimit {
  /** Sustained rate: tokens added per minute. */
  perMinute: number;
  /** Bucket size: how many requests may arrive at once. */
  burst: number;
}

export type PolicySubject = Role | 'anonymous';
export type RateLimitPolicy = Record<
  PolicySubject,
  Partial<Record<RateLimitCategory, BucketLimit>>
> & {
  /** Ceiling per client IP across all users and categories. */
  perIp: BucketLimit;
};

const limit = (perMinute: number, burst: number): BucketLimit => ({ perMinute, burst });
const staff = { default: limit(300, 60) };

/**
 * The platform's policy, row for row the README's table (perMinute / burst): anonymous 10/5 on auth and
 * 60/20 elsewhere; customers and business buyers 60/10 on orders and chat; dealers 120/20 on inventory and
 * orders; technicians 30/5 on location updates and 60/10 on chat; every signed-in account 10/5 on auth and
 * 120/30 elsewhere; staff 300/60 on everything (their rows name only `default`, so every category falls
 * back to it). Categories a role's row does not name fall back to its `default`. Override with
 * RATE_LIMIT_POLICY (JSON, same shape, merged over this per role).
 */
export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = {
  anonymous: { auth: limit(10, 5), default: limit(60, 20) },
  customer: {
    orders: limit(60, 10),
    chat: limit(60, 10),
    auth: limit(10, 5),
    default: limit(120, 30),
  },
  business: {
    orders: limit(60, 10),
    chat: limit(60, 10),
    auth: limit(10, 5),
    default: limit(120, 30),
  },
  dealer: {
    inventory: limit(120, 20),
    orders: limit(120, 20),
    auth: limit(10, 5),
    default: limit(120, 30),
  },
  technician: {
    location: limit(30, 5),
    chat: limit(60, 10),
    auth: limit(10, 5),
    default: limit(120, 30),
  },
  admin: staff,
  finance: staff,
  ops_leader: staff,
  compliance: staff,
  cfo: staff,
  perIp: limit(600, 100),
};

const bucketSchema = z
  .object({ perMinute: z.number().int().min(1), burst: z.number().int().min(1) })
  .strict();
const rowSchema = z.partialRecord(z.enum(RATE_LIMIT_CATEGORIES), bucketSchema);
const overrideSchema = z
  .object({
    anonymous: rowSchema,
    customer: rowSchema,
    business: rowSchema,
    dealer: rowSchema,
    technician: rowSchema,
    admin: rowSchema,
    finance: rowSchema,
    ops_leader: rowSchema,
    compliance: rowSchema,
    cfo: rowSchema,
    perIp: bucketSchema,
  })
  .partial()
  .strict();

/** Parses RATE_LIMIT_POLICY; returns an error message (for the config error line) or the merged policy. */
export function parseRateLimitPolicy(json: string | undefined): RateLimitPolicy | string {
  if (!json) return DEFAULT_RATE_LIMIT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return 'must be JSON';
  }
  const parsed = overrideSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return `${i?.path.join('.') || 'value'}: ${i?.message ?? 'invalid'}`;
  }
  const merged = { ...DEFAULT_RATE_LIMIT_POLICY } as RateLimitPolicy;
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key === 'perIp') merged.perIp = value as BucketLimit;
    else merged[key as PolicySubject] = { ...merged[key as PolicySubject], ...(value as object) };
  }
  return merged;
}

export function limitFor(
  policy: RateLimitPolicy,
  subject: PolicySubject,
  category: RateLimitCategory,
): BucketLimit {
  const row = policy[subject];
  return row[category] ?? row.default ?? DEFAULT_RATE_LIMIT_POLICY.anonymous.default!;
}
