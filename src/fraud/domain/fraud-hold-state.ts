/**
 * A held order's fraud review (`fraud_order_holds.status`) as a declared transition table
 * (`FRAUD_HOLD_MACHINE`); every decision writes a `fraud_hold_history` row (the staff member and the
 * reason) in the same statement. A refusal keeps the module's 409 `fraud-hold/decided` (the service
 * asks `allows` first); `fraud-hold/invalid-transition` is left for a row that changed under it.
 *
 *   held ─clear─▶ cleared (the order continues) | held ─reject─▶ rejected (unshipped parts cancelled)
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const FRAUD_HOLD_STATUSES = ['held', 'cleared', 'rejected'] as const;
export type FraudHoldStatus = (typeof FRAUD_HOLD_STATUSES)[number];

export const FRAUD_HOLD_EVENTS = ['clear', 'reject'] as const;
export type FraudHoldEvent = (typeof FRAUD_HOLD_EVENTS)[number];

export type FraudHoldActor = 'staff';

export const FRAUD_HOLD_MACHINE = defineStateMachine({
  noun: 'fraud hold',
  codePrefix: 'fraud-hold',
  states: FRAUD_HOLD_STATUSES,
  events: FRAUD_HOLD_EVENTS,
  transitions: [
    { event: 'clear', actors: ['staff'], from: ['held'], to: ['cleared'], reasonFrom: ['staff'] },
    { event: 'reject', actors: ['staff'], from: ['held'], to: ['rejected'], reasonFrom: ['staff'] },
  ] satisfies TransitionRule<FraudHoldStatus, FraudHoldEvent, FraudHoldActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { clear: 'cleared', reject: 'rejected' },
  by: { staff: ' by staff' },
});
