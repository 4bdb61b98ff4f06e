/**
 * The refunds queue (pg-boss), named here without imports so that whoever decides a refund (escrow
 * release, disputes, refunds after release) can enqueue its processing in its own transaction:
 * - `payments.refunds`: send every requested or processing refund to the gateway
 *   (src/payments/refunds.service.ts).
 */
export const REFUND_JOBS = { process: 'payments.refunds' } as const;
