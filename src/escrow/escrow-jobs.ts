/**
 * The escrow queue (pg-boss), named here without imports so other modules (disputes) can enqueue it
 * in their own transactions:
 * - `escrow.release-due` (every minute, and on demand): release every held escrow whose sub-order or
 *   repair job is completed (src/escrow/escrow-release.service.ts).
 */
export const ESCROW_JOBS = { releaseDue: 'escrow.release-due' } as const;
