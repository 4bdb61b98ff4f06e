/**
 * The sub-order state machine as a declared transition table, validated by one helper (`transition`).
 * Every status change goes through it and writes a `sub_order_history` row and a domain event.
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

interface Transition {
  event: SubOrderEvent;
  actors: readonly OrderActor[];
  from: readonly SubOrderStatus[];
  /** Possible targets; the first is the default. */
  to: readonly SubOrderStatus[];
  /** Actors who must give a reason. */
  reasonFrom: readonly OrderActor[];
}

const BEFORE_SHIPPING = ['awaiting_payment', 'paid', 'accepted', 'packed'] as const;

export const SUB_ORDER_TRANSITIONS: readonly Transition[] = [
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

const LABEL: Record<SubOrderEvent, string> = {
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
};

const human = (s: SubOrderStatus) => s.replace(/_/g, ' ');

/** Validates `event` by `actor` from `from` (to `to`, default the event's first target). The one gate of every status change. */
export function transition(
  from: SubOrderStatus,
  event: SubOrderEvent,
  actor: OrderActor,
  options: { to?: SubOrderStatus; reason?: string | null } = {},
): SubOrderTransitionResult {
  const t = SUB_ORDER_TRANSITIONS.find((x) => x.event === event && x.actors.includes(actor));
  if (t === undefined || !t.from.includes(from))
    return {
      ok: false,
      code: 'order/invalid-transition',
      detail: `A sub-order that is ${human(from)} cannot be ${LABEL[event]}${actor === 'admin' ? ' by staff' : actor === 'buyer' || actor === 'dealer' ? ` by the ${actor}` : ''}`,
    };
  const to = options.to ?? t.to[0]!;
  if (!t.to.includes(to))
    return {
      ok: false,
      code: 'order/invalid-transition',
      detail: `${event} cannot lead to ${human(to)}`,
    };
  if (t.reasonFrom.includes(actor) && !options.reason?.trim())
    return { ok: false, code: 'order/reason-required', detail: `${event} needs a reason` };
  return { ok: true, from, to };
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
