/**
 * The sub-order state machine as a declared transition table (`SUB_ORDER_MACHINE`, validated by the
 * common state-machine helper). Every status change goes through the common `transition()`, which
 * writes a `sub_order_history` row and publishes `SubOrderTransitioned` after commit.
 *
 *   awaiting_payment ─pay─▶ paid ─accept─▶ accepted ─pack─▶ packed ─ship─▶ shipped ─deliver─▶ delivered ─complete─▶ completed
 *     │ expire / payment_failed / cancel  │ cancel        │ cancel      │ cancel
 *     └───────────────────────────────────┴───────────────┴─────────────┴──▶ cancelled
 *   delivered ─request_return─▶ return_requested;  shipped / delivered / return_requested ─dispute─▶ disputed;
 *   return_requested / disputed ─resolve─▶ completed | cancelled   (hooks for payments and disputes)
 *
 * Stock follows the status: awaiting payment holds a reservation; `pay` sells it; a cancellation
 * before payment releases it; a cancellation after payment (before shipping) restocks.
 */

import { decide, defineStateMachine, type TransitionRule } from '../../common/state-machine.js';

export const SUB_ORDER_STATUSES = [
  'awaiting_payment',
  'paid',
  'accepted',
  'packed',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'return_requested',
  'disputed',
] as const;
export type SubOrderStatus = (typeof SUB_ORDER_STATUSES)[number];

export const SUB_ORDER_EVENTS = [
  'pay',
  'payment_failed',
  'expire',
  'accept',
  'pack',
  'ship',
  'deliver',
  'complete',
  'cancel',
  'request_return',
  'dispute',
  'resolve',
] as const;
export type SubOrderEvent = (typeof SUB_ORDER_EVENTS)[number];

/** Who acts: the buyer, the dealer, staff (admin or ops leader), the payment flow, or the platform's jobs. */
export type OrderActor = 'buyer' | 'dealer' | 'admin' | 'payment' | 'system';

const BEFORE_SHIPPING = ['awaiting_payment', 'paid', 'accepted', 'packed'] as const;

export const SUB_ORDER_TRANSITIONS: readonly TransitionRule<
  SubOrderStatus,
  SubOrderEvent,
  OrderActor
>[] = [
  { event: 'pay', actors: ['payment'], from: ['awaiting_payment'], to: ['paid'], reasonFrom: [] },
  {
    event: 'payment_failed',
    actors: ['payment'],
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reasonFrom: [],
  },
  {
    event: 'expire',
    actors: ['system'],
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reasonFrom: [],
  },
  { event: 'accept', actors: ['dealer'], from: ['paid'], to: ['accepted'], reasonFrom: [] },
  { event: 'pack', actors: ['dealer'], from: ['accepted'], to: ['packed'], reasonFrom: [] },
  { event: 'ship', actors: ['dealer'], from: ['packed'], to: ['shipped'], reasonFrom: [] },
  {
    event: 'deliver',
    actors: ['buyer', 'admin'],
    from: ['shipped'],
    to: ['delivered'],
    reasonFrom: ['admin'],
  },
  {
    event: 'complete',
    actors: ['system', 'admin'],
    from: ['delivered'],
    to: ['completed'],
    reasonFrom: ['admin'],
  },
  {
    // The buyer before shipping; the dealer and staff before shipping, with a reason.
    event: 'cancel',
    actors: ['buyer', 'dealer', 'admin'],
    from: BEFORE_SHIPPING,
    to: ['cancelled'],
    reasonFrom: ['dealer', 'admin'],
  },
  {
    // The platform, when the dealer is suspended: only what is not paid yet (paid sub-orders are
    // left to staff and the payment flow, which refunds).
    event: 'cancel',
    actors: ['system'],
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reasonFrom: ['system'],
  },
  {
    event: 'request_return',
    actors: ['buyer'],
    from: ['delivered'],
    to: ['return_requested'],
    reasonFrom: ['buyer'],
  },
  {
    event: 'dispute',
    actors: ['buyer', 'admin'],
    from: ['shipped', 'delivered', 'return_requested'],
    to: ['disputed'],
    reasonFrom: ['buyer', 'admin'],
  },
  {
    event: 'resolve',
    actors: ['admin'],
    from: ['return_requested', 'disputed'],
    to: ['completed', 'cancelled'],
    reasonFrom: ['admin'],
  },
];

export type SubOrderTransitionResult =
  | { ok: true; from: SubOrderStatus; to: SubOrderStatus }
  | {
      ok: false;
      code: 'order/invalid-transition' | 'order/reason-required';
      detail: string;
    };

export const SUB_ORDER_MACHINE = defineStateMachine({
  noun: 'sub-order',
  codePrefix: 'order',
  states: SUB_ORDER_STATUSES,
  events: SUB_ORDER_EVENTS,
  transitions: SUB_ORDER_TRANSITIONS,
  key: (s) => s,
  describe: (s) => s.replace(/_/g, ' '),
  past: {
    pay: 'paid',
    payment_failed: 'failed for payment',
    expire: 'expired',
    accept: 'accepted',
    pack: 'packed',
    ship: 'shipped',
    deliver: 'confirmed delivered',
    complete: 'completed',
    cancel: 'cancelled',
    request_return: 'returned',
    dispute: 'disputed',
    resolve: 'resolved',
  },
  by: { admin: ' by staff', buyer: ' by the buyer', dealer: ' by the dealer' },
});

/** Validates `event` by `actor` from `from` (to `to`, default the event's first target) against the table. */
export function transition(
  from: SubOrderStatus,
  event: SubOrderEvent,
  actor: OrderActor,
  options: { to?: SubOrderStatus; reason?: string | null } = {},
): SubOrderTransitionResult {
  return decide(SUB_ORDER_MACHINE, from, event, actor, options);
}

/** What happens to the reserved or sold stock of a sub-order's lines when it moves `from` → `to`. */
export type StockEffect = 'sell' | 'release' | 'restock' | null;

export function stockEffectOf(from: SubOrderStatus, to: SubOrderStatus): StockEffect {
  if (from === 'awaiting_payment' && to === 'paid') return 'sell';
  if (from === 'awaiting_payment' && to === 'cancelled') return 'release';
  if ((from === 'paid' || from === 'accepted' || from === 'packed') && to === 'cancelled')
    return 'restock';
  return null;
}

/** Still to be shipped: the buyer may cancel it (subject to the minimum-order policy). */
export function isBeforeShipping(s: SubOrderStatus): boolean {
  return (BEFORE_SHIPPING as readonly string[]).includes(s);
}
