/**
 * A payment request of the technician's terminal (`payment_requests.status`: a Payment Link or a
 * UPI QR code for a repair job) as a declared transition table; every move writes a
 * `payment_request_history` row in the same statement.
 *
 *   creating ─open─▶ open ─pay─▶ paid
 *   creating ─fail─▶ failed (the gateway refused to create it)
 *   creating, open ─cancel─▶ cancelled (the technician, the customer; the job paid otherwise: system;
 *                                       cancelled or closed at the gateway: gateway)
 *   creating, open ─expire─▶ expired (past its expiry: system; expired at the gateway: gateway)
 *   cancelled, expired ─pay─▶ paid (paid at the gateway before our cancellation reached it: the
 *                                   gateway's word wins, the money is the job's like any payment)
 */
import { defineStateMachine, type TransitionRule } from '../../../common/state-machine.js';

export const PAYMENT_REQUEST_STATUSES = [
  'creating',
  'open',
  'paid',
  'cancelled',
  'expired',
  'failed',
] as const;
export type PaymentRequestStatus = (typeof PAYMENT_REQUEST_STATUSES)[number];

export const PAYMENT_REQUEST_EVENTS = ['open', 'fail', 'pay', 'cancel', 'expire'] as const;
export type PaymentRequestEvent = (typeof PAYMENT_REQUEST_EVENTS)[number];

export type PaymentRequestActor = 'technician' | 'customer' | 'system' | 'gateway';

/** Where a request is still live (at most one per job). */
export const LIVE_REQUEST_STATUSES: readonly PaymentRequestStatus[] = ['creating', 'open'];

export const PAYMENT_REQUEST_MACHINE = defineStateMachine({
  noun: 'payment request',
  codePrefix: 'payment-request',
  states: PAYMENT_REQUEST_STATUSES,
  events: PAYMENT_REQUEST_EVENTS,
  transitions: [
    { event: 'open', actors: ['system'], from: ['creating'], to: ['open'], reasonFrom: [] },
    {
      event: 'fail',
      actors: ['system'],
      from: ['creating'],
      to: ['failed'],
      reasonFrom: ['system'],
    },
    {
      event: 'pay',
      actors: ['gateway'],
      from: ['open', 'cancelled', 'expired'],
      to: ['paid'],
      reasonFrom: [],
    },
    {
      event: 'cancel',
      actors: ['technician', 'customer', 'system', 'gateway'],
      from: ['creating', 'open'],
      to: ['cancelled'],
      reasonFrom: ['system'],
    },
    {
      event: 'expire',
      actors: ['system', 'gateway'],
      from: ['creating', 'open'],
      to: ['expired'],
      reasonFrom: [],
    },
  ] satisfies TransitionRule<PaymentRequestStatus, PaymentRequestEvent, PaymentRequestActor>[],
  key: (s) => s,
  describe: (s) => s,
  past: { open: 'opened', fail: 'failed', pay: 'paid', cancel: 'cancelled', expire: 'expired' },
});
