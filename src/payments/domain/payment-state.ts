/**
 * A payment (`payments.status`) as a declared transition table (`PAYMENT_MACHINE`, the common
 * state-machine helper); every move writes a `payment_history` row in the same statement.
 *
 *   creating ─open─▶ created (the gateway order is recorded) ─capture─▶ captured
 *   created ─fail─▶ failed (a failed attempt); a later capture of the same gateway order still wins
 *   creating, created ─supersede─▶ failed (the payable's amount changed before it was paid)
 *
 * `authorized` is declared (the gateway's word before capture) but no writer stores it yet.
 */
import { defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const PAYMENT_STATUSES = [
  'creating',
  'created',
  'authorized',
  'captured',
  'failed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_EVENTS = ['open', 'supersede', 'capture', 'fail'] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

/** system: the payments service; gateway: Razorpay's word (checkout, webhook, reconciliation). */
export type PaymentActor = 'system' | 'gateway';

export const PAYMENT_MACHINE = defineStateMachine({
  noun: 'payment',
  codePrefix: 'payment',
  states: PAYMENT_STATUSES,
  events: PAYMENT_EVENTS,
  transitions: [
    { event: 'open', actors: ['system'], from: ['creating'], to: ['created'], reasonFrom: [] },
    {
      event: 'supersede',
      actors: ['system'],
      from: ['creating', 'created'],
      to: ['failed'],
      reasonFrom: ['system'],
    },
    {
      event: 'capture',
      actors: ['gateway'],
      from: ['created', 'authorized', 'failed'],
      to: ['captured'],
      reasonFrom: [],
    },
    {
      event: 'fail',
      actors: ['gateway'],
      from: ['created', 'authorized'],
      to: ['failed'],
      reasonFrom: [],
    },
  ] satisfies TransitionRule<PaymentStatus, PaymentEvent, PaymentActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { open: 'opened', supersede: 'superseded', capture: 'captured', fail: 'failed' },
});
