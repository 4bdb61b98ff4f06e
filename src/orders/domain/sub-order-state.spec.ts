import {
  isBeforeShipping,
  stockEffectOf,
  SUB_ORDER_EVENTS,
  SUB_ORDER_STATUSES,
  SUB_ORDER_TRANSITIONS,
  transition,
  type OrderActor,
  type SubOrderEvent,
  type SubOrderStatus,
} from './sub-order-state.js';

// Written by hand from the doc comments (the diagram, "Stock follows the status…" and the comment on
// the cancel row), not from SUB_ORDER_TRANSITIONS, so the table is checked against its stated policy.
const STATUSES: SubOrderStatus[] = [
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
];
const EVENTS: SubOrderEvent[] = [
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
];
const ACTORS: OrderActor[] = ['buyer', 'dealer', 'admin', 'payment', 'system'];
const BEFORE_SHIPPING: SubOrderStatus[] = ['awaiting_payment', 'paid', 'accepted', 'packed'];

interface Expected {
  event: SubOrderEvent;
  actor: OrderActor;
  from: SubOrderStatus[];
  /** Allowed targets, the first the default. */
  to: SubOrderStatus[];
  reason: boolean;
}

const EXPECTED: Expected[] = [
  { event: 'pay', actor: 'payment', from: ['awaiting_payment'], to: ['paid'], reason: false },
  {
    event: 'payment_failed',
    actor: 'payment',
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reason: false,
  },
  {
    event: 'expire',
    actor: 'system',
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reason: false,
  },
  { event: 'accept', actor: 'dealer', from: ['paid'], to: ['accepted'], reason: false },
  { event: 'pack', actor: 'dealer', from: ['accepted'], to: ['packed'], reason: false },
  { event: 'ship', actor: 'dealer', from: ['packed'], to: ['shipped'], reason: false },
  // The buyer confirms delivery; staff may record it, with a reason.
  { event: 'deliver', actor: 'buyer', from: ['shipped'], to: ['delivered'], reason: false },
  { event: 'deliver', actor: 'admin', from: ['shipped'], to: ['delivered'], reason: true },
  // The platform completes after the return window; staff may, with a reason.
  { event: 'complete', actor: 'system', from: ['delivered'], to: ['completed'], reason: false },
  { event: 'complete', actor: 'admin', from: ['delivered'], to: ['completed'], reason: true },
  // "The buyer before shipping; the dealer (with a reason) before shipping; staff (with a reason);
  // the platform when the dealer is suspended before payment." So the platform ('system') cancels
  // awaiting payment only; paid sub-orders of a suspended dealer are left to staff and refunds
  // (OrderCommandsService.onAccountStatus). The table lets 'system' cancel paid/accepted/packed too.
  { event: 'cancel', actor: 'buyer', from: BEFORE_SHIPPING, to: ['cancelled'], reason: false },
  { event: 'cancel', actor: 'dealer', from: BEFORE_SHIPPING, to: ['cancelled'], reason: true },
  { event: 'cancel', actor: 'admin', from: BEFORE_SHIPPING, to: ['cancelled'], reason: true },
  {
    event: 'cancel',
    actor: 'system',
    from: ['awaiting_payment'],
    to: ['cancelled'],
    reason: true,
  },
  {
    event: 'request_return',
    actor: 'buyer',
    from: ['delivered'],
    to: ['return_requested'],
    reason: true,
  },
  {
    event: 'dispute',
    actor: 'buyer',
    from: ['shipped', 'delivered', 'return_requested'],
    to: ['disputed'],
    reason: true,
  },
  {
    event: 'dispute',
    actor: 'admin',
    from: ['shipped', 'delivered', 'return_requested'],
    to: ['disputed'],
    reason: true,
  },
  {
    event: 'resolve',
    actor: 'admin',
    from: ['return_requested', 'disputed'],
    to: ['completed', 'cancelled'],
    reason: true,
  },
];

const key = (event: string, actor: string, from: string, to?: string) =>
  `${event} by ${actor} from ${from}${to === undefined ? '' : ` to ${to}`}`;

describe('sub-order statuses and events', () => {
  it('are the ones the doc comment names', () => {
    expect([...SUB_ORDER_STATUSES].sort()).toEqual([...STATUSES].sort());
    expect([...SUB_ORDER_EVENTS].sort()).toEqual([...EVENTS].sort());
  });

  it('the table names only known events, actors and statuses, one row per event', () => {
    for (const t of SUB_ORDER_TRANSITIONS) {
      expect(EVENTS).toContain(t.event);
      for (const a of [...t.actors, ...t.reasonFrom]) expect(ACTORS).toContain(a);
      for (const s of [...t.from, ...t.to]) expect(STATUSES).toContain(s);
      for (const a of t.reasonFrom) expect(t.actors).toContain(a);
    }
    // Every event is declared; none twice for the same actor (transition() takes the first match).
    for (const e of EVENTS)
      for (const a of ACTORS)
        expect(
          SUB_ORDER_TRANSITIONS.filter((t) => t.event === e && t.actors.includes(a)).length,
        ).toBeLessThanOrEqual(1);
    expect(new Set(SUB_ORDER_TRANSITIONS.map((t) => t.event))).toEqual(new Set(EVENTS));
  });
});

describe('transition', () => {
  it('allows exactly the expected (event, actor, from) triples: the whole table × every status × every actor', () => {
    const allowed: string[] = [];
    const refused: string[] = [];
    for (const event of EVENTS)
      for (const actor of ACTORS)
        for (const from of STATUSES) {
          const r = transition(from, event, actor, { reason: 'a reason' });
          if (r.ok) allowed.push(key(event, actor, from));
          else {
            expect(r.code).toBe('order/invalid-transition');
            refused.push(key(event, actor, from));
          }
        }
    const expected = EXPECTED.flatMap((e) => e.from.map((f) => key(e.event, e.actor, f)));
    expect(allowed.sort()).toEqual(expected.sort());
    expect(allowed.length + refused.length).toBe(EVENTS.length * ACTORS.length * STATUSES.length);
  });

  it('leads by default to the first target and refuses any target not declared', () => {
    const results: string[] = [];
    for (const e of EXPECTED)
      for (const from of e.from) {
        const def = transition(from, e.event, e.actor, { reason: 'why' });
        expect(def).toEqual({ ok: true, from, to: e.to[0] });
        for (const to of STATUSES) {
          const r = transition(from, e.event, e.actor, { to, reason: 'why' });
          if (r.ok) {
            expect(r).toEqual({ ok: true, from, to });
            results.push(key(e.event, e.actor, from, to));
          } else {
            expect(r).toEqual({
              ok: false,
              code: 'order/invalid-transition',
              detail: `${e.event} cannot lead to ${to.replace(/_/g, ' ')}`,
            });
          }
        }
      }
    const expected = EXPECTED.flatMap((e) =>
      e.from.flatMap((f) => e.to.map((to) => key(e.event, e.actor, f, to))),
    );
    expect(results.sort()).toEqual(expected.sort());
  });

  it('resolves a return or a dispute to completed or cancelled', () => {
    for (const from of ['return_requested', 'disputed'] as const) {
      expect(transition(from, 'resolve', 'admin', { reason: 'refunded' })).toEqual({
        ok: true,
        from,
        to: 'completed',
      });
      expect(transition(from, 'resolve', 'admin', { reason: 'refunded', to: 'cancelled' })).toEqual(
        { ok: true, from, to: 'cancelled' },
      );
      expect(
        transition(from, 'resolve', 'admin', { reason: 'refunded', to: 'delivered' }),
      ).toMatchObject({ ok: false, code: 'order/invalid-transition' });
    }
  });

  it('requires a reason exactly from the actors the policy names (dealer, staff and platform cancels, returns, disputes, staff overrides)', () => {
    const needing: string[] = [];
    for (const e of EXPECTED)
      for (const from of e.from) {
        const without = transition(from, e.event, e.actor);
        const withNull = transition(from, e.event, e.actor, { reason: null });
        const blank = transition(from, e.event, e.actor, { reason: ' \t\n ' });
        const empty = transition(from, e.event, e.actor, { reason: '' });
        const given = transition(from, e.event, e.actor, { reason: ' out of stock ' });
        expect(given).toEqual({ ok: true, from, to: e.to[0] });
        if (e.reason) {
          for (const r of [without, withNull, blank, empty])
            expect(r).toEqual({
              ok: false,
              code: 'order/reason-required',
              detail: `${e.event} needs a reason`,
            });
          needing.push(key(e.event, e.actor, from));
        } else for (const r of [without, withNull, blank, empty]) expect(r.ok).toBe(true);
      }
    expect(needing).toEqual(
      expect.arrayContaining([
        key('cancel', 'dealer', 'paid'),
        key('cancel', 'admin', 'packed'),
        key('cancel', 'system', 'awaiting_payment'),
      ]),
    );
    expect(needing).not.toContain(key('cancel', 'buyer', 'paid'));
  });

  it('checks the transition before the reason: a refused transition without a reason is invalid, not reason-required', () => {
    expect(transition('shipped', 'cancel', 'dealer')).toMatchObject({
      ok: false,
      code: 'order/invalid-transition',
    });
    expect(transition('delivered', 'resolve', 'admin')).toMatchObject({
      code: 'order/invalid-transition',
    });
    // A target not declared is refused before the reason is asked for.
    expect(transition('disputed', 'resolve', 'admin', { to: 'paid' })).toMatchObject({
      code: 'order/invalid-transition',
    });
  });

  it('walks the happy path and refuses skipping a step or going back', () => {
    const path: [SubOrderStatus, SubOrderEvent, OrderActor, SubOrderStatus][] = [
      ['awaiting_payment', 'pay', 'payment', 'paid'],
      ['paid', 'accept', 'dealer', 'accepted'],
      ['accepted', 'pack', 'dealer', 'packed'],
      ['packed', 'ship', 'dealer', 'shipped'],
      ['shipped', 'deliver', 'buyer', 'delivered'],
      ['delivered', 'complete', 'system', 'completed'],
    ];
    for (const [from, event, actor, to] of path)
      expect(transition(from, event, actor)).toEqual({ ok: true, from, to });
    expect(transition('paid', 'ship', 'dealer').ok).toBe(false);
    expect(transition('accepted', 'ship', 'dealer').ok).toBe(false);
    expect(transition('awaiting_payment', 'accept', 'dealer').ok).toBe(false);
    expect(transition('shipped', 'pack', 'dealer').ok).toBe(false);
    expect(transition('paid', 'pay', 'payment').ok).toBe(false);
    // Nothing leaves a final status.
    for (const from of ['completed', 'cancelled'] as const)
      for (const event of EVENTS)
        for (const actor of ACTORS)
          expect(transition(from, event, actor, { reason: 'r' }).ok).toBe(false);
  });

  it('refuses the wrong actor: the buyer cannot ship, the dealer cannot pay or confirm delivery, nobody but payment pays', () => {
    expect(transition('packed', 'ship', 'buyer').ok).toBe(false);
    expect(transition('awaiting_payment', 'pay', 'dealer').ok).toBe(false);
    expect(transition('awaiting_payment', 'pay', 'buyer').ok).toBe(false);
    expect(transition('awaiting_payment', 'pay', 'admin').ok).toBe(false);
    expect(transition('shipped', 'deliver', 'dealer', { reason: 'r' }).ok).toBe(false);
    expect(transition('delivered', 'complete', 'buyer').ok).toBe(false);
    expect(transition('delivered', 'request_return', 'dealer', { reason: 'r' }).ok).toBe(false);
    expect(transition('disputed', 'resolve', 'buyer', { reason: 'r' }).ok).toBe(false);
    expect(transition('paid', 'cancel', 'payment', { reason: 'r' }).ok).toBe(false);
  });

  it('explains a refusal in words, naming the buyer, the dealer or staff', () => {
    expect(transition('shipped', 'cancel', 'buyer')).toEqual({
      ok: false,
      code: 'order/invalid-transition',
      detail: 'A sub-order that is shipped cannot be cancelled by the buyer',
    });
    expect(transition('awaiting_payment', 'ship', 'dealer')).toMatchObject({
      detail: 'A sub-order that is awaiting payment cannot be shipped by the dealer',
    });
    expect(transition('completed', 'resolve', 'admin', { reason: 'r' })).toMatchObject({
      detail: 'A sub-order that is completed cannot be resolved by staff',
    });
    expect(transition('paid', 'expire', 'system')).toMatchObject({
      detail: 'A sub-order that is paid cannot be expired',
    });
    expect(transition('return_requested', 'pay', 'payment')).toMatchObject({
      detail: 'A sub-order that is return requested cannot be paid',
    });
  });
});

describe('stockEffectOf', () => {
  const EFFECTS: Record<string, 'sell' | 'release' | 'restock'> = {
    'awaiting_payment>paid': 'sell',
    'awaiting_payment>cancelled': 'release',
    'paid>cancelled': 'restock',
    'accepted>cancelled': 'restock',
    'packed>cancelled': 'restock',
  };

  it('sells on payment, releases a cancellation before payment, restocks one after payment before shipping, and nothing else: every from → to pair', () => {
    for (const from of STATUSES)
      for (const to of STATUSES)
        expect([from, to, stockEffectOf(from, to)]).toEqual([
          from,
          to,
          EFFECTS[`${from}>${to}`] ?? null,
        ]);
  });

  it('every allowed transition has the effect its statuses imply (no stock moves after shipping)', () => {
    for (const e of EXPECTED)
      for (const from of e.from)
        for (const to of e.to) {
          const effect = stockEffectOf(from, to);
          if (!isBeforeShipping(from)) expect(effect).toBeNull();
          if (to === 'cancelled' && isBeforeShipping(from))
            expect(effect).toBe(from === 'awaiting_payment' ? 'release' : 'restock');
        }
    expect(stockEffectOf('disputed', 'cancelled')).toBeNull();
    expect(stockEffectOf('return_requested', 'cancelled')).toBeNull();
    expect(stockEffectOf('shipped', 'cancelled')).toBeNull();
  });
});

describe('isBeforeShipping', () => {
  it('is true for awaiting payment, paid, accepted and packed only', () => {
    for (const s of STATUSES)
      expect([s, isBeforeShipping(s)]).toEqual([s, BEFORE_SHIPPING.includes(s)]);
  });

  it('matches where the buyer may cancel', () => {
    for (const s of STATUSES)
      expect([s, transition(s, 'cancel', 'buyer').ok]).toEqual([s, isBeforeShipping(s)]);
  });
});
