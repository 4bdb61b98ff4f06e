/**
 * The Route onboarding queue (pg-boss), `payments.route-account` {payeeId}: the payee's linked
 * account, stakeholder, product configuration and activation; {dealerId}: the same, as queued before
 * payees. The holds' transfer queues are the payments' (src/payments/hold-transfer-jobs.ts).
 */
export const ROUTE_ACCOUNT_JOB = 'payments.route-account';

export type RouteAccountJob = { payeeId: string } | { dealerId: string };

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
