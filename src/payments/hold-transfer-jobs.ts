/**
 * The queues (pg-boss) that move an escrow hold's money to its payee's Route account. Payouts
 * consumes them (src/payouts/route/route-transfers.service.ts); they are named here, beside the
 * holds, so whoever changes a hold enqueues them in its own transaction without importing payouts:
 * capture (payments), release (escrow), an activation or a staff retry (payouts).
 * - `payments.route-transfers` {paymentId} | {dealerId}: transfer escrow holds, on hold, to
 *   activated linked accounts (after a capture; after an activation, that dealer's waiting holds).
 * - `payments.route-release` {subOrderId}: lift the hold of a released escrow hold's transfer.
 */
export const HOLD_TRANSFER_JOBS = {
  transfers: 'payments.route-transfers',
  release: 'payments.route-release',
} as const;

export type RouteTransfersJob = { paymentId: string } | { dealerId: string };

export interface RouteReleaseJob {
  subOrderId: string;
}
