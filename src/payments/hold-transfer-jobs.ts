/**
 * The queues (pg-boss) that move an escrow hold's money to its payee's Route account. Payouts
 * consumes them (src/payouts/route/route-transfers.service.ts); they are named here, beside the
 * holds, so whoever changes a hold enqueues them in its own transaction without importing payouts:
 * capture (payments), release (escrow), an activation or a staff retry (payouts).
 * - `payments.route-transfers` {paymentId} | {payeeId}: transfer escrow holds, on hold, to
 *   activated linked accounts (after a capture; after an activation, that payee's waiting holds —
 *   a dealer's or a technician's).
 * - `payments.route-release` {holdId}: lift the hold of a released escrow hold's transfer.
 *
 * Jobs keyed by the dealer (`{dealerId}`) and the sub-order (`{subOrderId}`), as they were enqueued
 * before holds had payees other than dealers, are still read (queued or retrying at the deploy).
 */
export const HOLD_TRANSFER_JOBS = {
  transfers: 'payments.route-transfers',
  release: 'payments.route-release',
} as const;

export type RouteTransfersJob = { paymentId: string } | { payeeId: string } | { dealerId: string };

export type RouteReleaseJob = { holdId: string } | { subOrderId: string };
