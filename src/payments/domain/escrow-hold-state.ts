/**
 * An escrow hold (`escrow_holds.status`) as a declared transition table (`ESCROW_HOLD_MACHINE`); every
 * move writes an `escrow_hold_history` row in the same statement.
 *
 *   held ─release─▶ released (the escrow release: payee's net, commission, taxes)
 *   held ─refund─▶ refunded (a refund before release: the cancelled part's money goes back)
 *
 * Declared here, in payments, because payments creates holds at capture and refunds them, and the
 * module layering (gateway ← payments ← payouts ← escrow ← disputes, reconciliation) lets every
 * writer import payments but not payments import escrow.
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const ESCROW_HOLD_STATUSES = ['held', 'released', 'refunded'] as const;
export type EscrowHoldStatus = (typeof ESCROW_HOLD_STATUSES)[number];

export const ESCROW_HOLD_EVENTS = ['release', 'refund'] as const;
export type EscrowHoldEvent = (typeof ESCROW_HOLD_EVENTS)[number];

/** system: the escrow release and the refund processing. */
export type EscrowHoldActor = 'system';

export const ESCROW_HOLD_MACHINE = defineStateMachine({
  noun: 'escrow hold',
  codePrefix: 'escrow-hold',
  states: ESCROW_HOLD_STATUSES,
  events: ESCROW_HOLD_EVENTS,
  transitions: [
    { event: 'release', actors: ['system'], from: ['held'], to: ['released'], reasonFrom: [] },
    { event: 'refund', actors: ['system'], from: ['held'], to: ['refunded'], reasonFrom: [] },
  ] satisfies TransitionRule<EscrowHoldStatus, EscrowHoldEvent, EscrowHoldActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { release: 'released', refund: 'refunded' },
});
