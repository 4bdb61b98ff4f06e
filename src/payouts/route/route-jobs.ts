/**
 * The Route queues (pg-boss), named here without imports so the payments and escrow services can
 * enqueue them in their own transactions:
 * - `payments.route-account` {payeeId}: the payee's Route onboarding (linked account, stakeholder,
 *   product configuration, activation); {dealerId}: the same, as queued before payees.
 * - `payments.route-transfers` {paymentId} | {dealerId}: transfer escrow holds, on hold, to
 *   activated linked accounts (after a capture; after an activation, that dealer's waiting holds).
 * - `payments.route-release` {subOrderId}: lift the hold of a released escrow hold's transfer.
 */
export const ROUTE_JOBS = {
  account: 'payments.route-account',
  transfers: 'payments.route-transfers',
  release: 'payments.route-release',
} as const;

export type RouteAccountJob = { payeeId: string } | { dealerId: string };

export type RouteTransfersJob = { paymentId: string } | { dealerId: string };

export interface RouteReleaseJob {
  subOrderId: string;
}

/** Razorpay's `reference_id` is at most 20 characters: the first 20 hex digits of the payee's uuid. */
export function routeReferenceId(payeeId: string): string {
  return payeeId.replace(/-/g, '').slice(0, 20);
}

/** Attempts of one gateway call before the row is marked failed. */
export const ROUTE_MAX_ATTEMPTS = 8;

/** Wait before retry n (1-based) after a retryable gateway error: 30 s × 2^(n−1), at most 1 h. */
export function routeRetryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}
