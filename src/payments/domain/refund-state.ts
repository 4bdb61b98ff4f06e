/**
 * A refund (`refunds.status`) as a declared transition table (`REFUND_MACHINE`); every move writes a
 * `refund_history` row in the same statement.
 *
 *   requested ─process─▶ processing (the gateway accepted it, pending)
 *   requested, processing ─complete─▶ processed (posted)
 *   requested, processing ─fail─▶ failed (the gateway failed it, or the attempts ran out: system)
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const REFUND_STATUSES = ['requested', 'processing', 'processed', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const REFUND_EVENTS = ['process', 'complete', 'fail'] as const;
export type RefundEvent = (typeof REFUND_EVENTS)[number];

/** gateway: Razorpay's answer (or webhook); system: the refund job giving up. */
export type RefundActor = 'gateway' | 'system';

const OPEN = ['requested', 'processing'] as const;

export const REFUND_MACHINE = defineStateMachine({
  noun: 'refund',
  codePrefix: 'refund',
  states: REFUND_STATUSES,
  events: REFUND_EVENTS,
  transitions: [
    {
      event: 'process',
      actors: ['gateway'],
      from: ['requested'],
      to: ['processing'],
      reasonFrom: [],
    },
    { event: 'complete', actors: ['gateway'], from: OPEN, to: ['processed'], reasonFrom: [] },
    { event: 'fail', actors: ['gateway'], from: OPEN, to: ['failed'], reasonFrom: [] },
    { event: 'fail', actors: ['system'], from: OPEN, to: ['failed'], reasonFrom: ['system'] },
  ] satisfies TransitionRule<RefundStatus, RefundEvent, RefundActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { process: 'processed by the gateway', complete: 'completed', fail: 'failed' },
});
