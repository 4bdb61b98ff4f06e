/**
 * No overselling (issue #5), against the real app and PostgreSQL:
 * 1. many buyers racing to check out the last units of one listing: exactly the stock is reserved,
 *    every refusal is a clean 409, the stock movements chain without a lost update, and only the
 *    successful checkouts stored an idempotency row — once with one unit each, then with seeded random
 *    quantities;
 * 2. one buyer submitting twice at once: with two keys one order (the other finds the cart empty), with
 *    one key one order replayed; a key reused for another body is refused;
 * 3. a model-based fast-check property over random carts, checkouts, payments (and failed or wrong
 *    ones), expiries, buyer and dealer cancellations, restocks and fulfilment: after every step each
 *    listing's counters equal the model's and the database's own accounting —
 *    available + reserved + sold = total received, reserved = what unpaid sub-orders hold, the stock
 *    movements sum and chain to the counters, nothing negative — and every order's statuses match.
 *
 * Environment: ORDERS_PROPERTY_RUNS (default 25), ORDERS_PROPERTY_STEPS (default 25),
 * ORDERS_PROPERTY_SEED and ORDERS_PROPERTY_PATH (replay a reported failure), ORDERS_PROPERTY_STATS=1
 * (print the outcomes seen, to tune the generators).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { PasswordHasher } from '../src/identity/password-hasher.js';
import { TokenService } from '../src/identity/token.service.js';
import { OrderCommands, type PaymentOutcome } from '../src/orders/order-commands.service.js';
import type { SubOrderStatus } from '../src/orders/domain/sub-order-state.js';
import { QUIET_ENV, signInAs, TEST_PASSWORD, type SignedIn } from './support/accounts.js';
import {
  activeListing,
  ADDRESS,
  checkout,
  putInCart,
  stockOf,
  type Order,
  type ShippingAddress,
} from './support/orders.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const RUNS = Number(process.env.ORDERS_PROPERTY_RUNS ?? 25);
const MAX_STEPS = Number(process.env.ORDERS_PROPERTY_STEPS ?? 25);
const SEED = process.env.ORDERS_PROPERTY_SEED;
const PATH = process.env.ORDERS_PROPERTY_PATH;

/** Sub-order statuses whose lines count as sold (stock left on hand for good). */
const SOLD = [
  'paid',
  'accepted',
  'packed',
  'shipped',
  'delivered',
  'completed',
  'return_requested',
  'disputed',
] as const satisfies readonly SubOrderStatus[];
const BEFORE_SHIPPING: readonly SubOrderStatus[] = [
  'awaiting_payment',
  'paid',
  'accepted',
  'packed',
];
/** Where the property's commands leave a sub-order for good. */
const FINAL: readonly SubOrderStatus[] = ['cancelled', 'delivered', 'completed'];

/** B2C defaults of the migration and config: ₹49 delivery per sub-order, free from ₹999; ₹500 minimum. */
const B2C_DELIVERY_PAISE = 4_900;
const B2C_FREE_FROM_PAISE = 99_900;
const B2C_MINIMUM_PAISE = 50_000;

/** A small seeded PRNG (mulberry32), so a race's quantities are reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function inChunks<T>(items: T[], size: number, fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

interface MovementRow {
  kind: string;
  on_hand_delta: number;
  reserved_delta: number;
  on_hand_after: number;
  reserved_after: number;
  reference: string | null;
}

describe('orders: no overselling', () => {
  let t: TestApp;
  let sql: pg.Client;
  let dealer: SignedIn;
  let dealer2: SignedIn;

  const q = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
    (await sql.query<T>(text, params)).rows;

  /** A listing's movements in insertion order. */
  const movementsOf = (listingId: string) =>
    q<MovementRow>(
      `SELECT kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference
       FROM stock_movements WHERE listing_id = $1 ORDER BY id`,
      [listingId],
    );

  /**
   * The movements chain: each row's "after" values are the previous row's plus its deltas (a lost or
   * reordered update would break the chain), never negative, reserved never above on hand.
   */
  const expectMovementsChain = (moves: MovementRow[]) => {
    let onHand = 0;
    let reserved = 0;
    const broken: string[] = [];
    for (const [i, m] of moves.entries()) {
      onHand += m.on_hand_delta;
      reserved += m.reserved_delta;
      if (m.on_hand_after !== onHand || m.reserved_after !== reserved)
        broken.push(
          `#${i} ${m.kind}: after (${m.on_hand_after}, ${m.reserved_after}) ≠ running sum (${onHand}, ${reserved})`,
        );
      if (m.reserved_after < 0 || m.on_hand_after < m.reserved_after)
        broken.push(`#${i} ${m.kind}: negative (${m.on_hand_after}, ${m.reserved_after})`);
    }
    expect(broken).toEqual([]);
    return { onHand, reserved };
  };

  /**
   * Approved customers, each with a session, inserted in one statement; their access tokens signed by
   * the app's TokenService (what a login issues: the guard checks the token, then the session row).
   */
  async function bulkCustomers(n: number): Promise<SignedIn[]> {
    const hash = await t.app.get(PasswordHasher).hash(TEST_PASSWORD);
    const tag = randomUUID().slice(0, 8);
    const rows = await q<{ user_id: string; email: string; session_id: string }>(
      `WITH u AS (
         INSERT INTO users (role, status, email, password_hash, display_name)
         SELECT 'customer', 'approved', 'racer-' || $1 || '-' || g || '@test.fixbazaar.in', $2, 'Racer ' || g
         FROM generate_series(1, $3::int) g
         RETURNING id, email)
       INSERT INTO sessions (user_id, ip, expires_at)
       SELECT id, '127.0.0.1', now() + interval '1 day' FROM u
       RETURNING user_id::text AS user_id, id::text AS session_id,
                 (SELECT email FROM u WHERE u.id = user_id) AS email`,
      [tag, hash, n],
    );
    const tokens = t.app.get(TokenService);
    return Promise.all(
      rows.map(async (r) => {
        const accessToken = tokens.signAccess({
          userId: r.user_id,
          sessionId: r.session_id,
          role: 'customer',
        });
        return {
          userId: r.user_id,
          email: r.email,
          accessToken,
          refreshToken: '',
          sessionId: r.session_id,
          headers: { authorization: `Bearer ${accessToken}` },
        };
      }),
    );
  }

  beforeAll(async () => {
    // A pool wide enough that checkouts really run side by side.
    t = await startTestApp({ env: { ...QUIET_ENV, DATABASE_POOL_MAX: '20' } });
    sql = new pg.Client({ connectionString: t.db.ownerUrl });
    await sql.connect();
    [dealer, dealer2] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'dealer')]);
  }, 60_000);

  afterAll(async () => {
    await sql?.end();
    await t?.close();
  });

  // ---- 1. racing checkouts ----

  describe('concurrent checkouts racing for the last units', () => {
    let racers: SignedIn[];

    beforeAll(async () => {
      racers = await bulkCustomers(200);
    }, 120_000);

    interface Outcome {
      key: string;
      buyerId: string;
      asked: number;
      status: number;
      order: Order | undefined;
      error: Record<string, unknown> | undefined;
    }

    /** Fills each buyer's cart with `asked` units of the listing, then all check out at once. */
    async function race(
      listingId: string,
      takers: { who: SignedIn; asked: number }[],
      tag: string,
    ): Promise<Outcome[]> {
      await q(`DELETE FROM cart_items WHERE buyer_id = ANY($1::uuid[])`, [
        takers.map((x) => x.who.userId),
      ]);
      await inChunks(takers, 20, async (x) => {
        const r = await putInCart(t, x.who, listingId, x.asked);
        if (r.status !== 200) throw new Error(`cart of ${x.who.email}: ${r.status}`);
      });
      return Promise.all(
        takers.map(async (x, i) => {
          const key = `${tag}-${i}`;
          const r = await checkout(t, x.who, { key });
          return { key, buyerId: x.who.userId, asked: x.asked, ...r };
        }),
      );
    }

    /**
     * What every race must leave: on hand untouched, reserved = exactly what the accepted orders hold
     * (never above the stock), as many orders and `reserve` movements as 201s, a movement chain without
     * a lost update, idempotency rows for the successes only, and every refusal a 409
     * `order/out-of-stock` of a buyer who asked more than what is left (available only falls during a
     * race, so what is left at the end is at most what was left when they were refused).
     */
    async function expectNoOversell(
      listingId: string,
      stock: number,
      outcomes: Outcome[],
      tag: string,
    ) {
      const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 409);
      expect(unexpected.map((o) => [o.status, o.error])).toEqual([]);
      const won = outcomes.filter((o) => o.status === 201);
      const lost = outcomes.filter((o) => o.status === 409);
      const held = won.reduce((s, o) => s + o.asked, 0);

      for (const o of won) {
        const lines = o.order!.subOrders.flatMap((s) => s.lines);
        expect(lines.map((l) => [l.listingId, l.quantity])).toEqual([[listingId, o.asked]]);
        expect(o.order!.buyerId).toBe(o.buyerId);
      }
      expect(held).toBeLessThanOrEqual(stock);
      expect(await stockOf(t, listingId)).toEqual({ onHand: stock, reserved: held });

      const left = stock - held;
      const wronglyRefused = lost.filter(
        (o) => o.error?.code !== 'order/out-of-stock' || o.asked <= left,
      );
      expect(wronglyRefused.map((o) => ({ asked: o.asked, left, error: o.error }))).toEqual([]);
      for (const o of lost) {
        expect(o.error).toMatchObject({ listingId, requested: o.asked });
        expect(o.error!.available as number).toBeLessThan(o.asked);
      }

      const [orders] = await q<{ orders: number; units: number; buyers: number }>(
        `SELECT count(DISTINCT o.id)::int AS orders, coalesce(sum(l.quantity), 0)::int AS units,
                count(DISTINCT o.buyer_id)::int AS buyers
         FROM order_lines l JOIN sub_orders s ON s.id = l.sub_order_id JOIN orders o ON o.id = s.order_id
         WHERE l.listing_id = $1`,
        [listingId],
      );
      expect(orders).toEqual({ orders: won.length, units: held, buyers: won.length });
      const [awaiting] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders o WHERE o.payment_status = 'awaiting_payment'
           AND EXISTS (SELECT 1 FROM sub_orders s JOIN order_lines l ON l.sub_order_id = s.id
                       WHERE s.order_id = o.id AND s.status = 'awaiting_payment' AND l.listing_id = $1)`,
        [listingId],
      );
      expect(awaiting!.n).toBe(won.length);

      const moves = await movementsOf(listingId);
      expect(moves[0]).toMatchObject({ kind: 'set', on_hand_delta: stock, reserved_delta: 0 });
      const reserves = moves.filter((m) => m.kind === 'reserve');
      expect(moves).toHaveLength(1 + won.length);
      expect(reserves).toHaveLength(won.length);
      expect(reserves.map((m) => m.reference).sort()).toEqual(
        won.map((o) => `order:${o.order!.id}`).sort(),
      );
      expect(expectMovementsChain(moves)).toEqual({ onHand: stock, reserved: held });

      const keys = await q<{ key: string; order_id: string | null }>(
        `SELECT key, response_body->>'id' AS order_id FROM idempotency_keys
         WHERE scope = 'checkout' AND key LIKE $1`,
        [`${tag}-%`],
      );
      expect(keys.map((k) => [k.key, k.order_id]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1))).toEqual(
        won.map((o) => [o.key, o.order!.id]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
      // The losers' carts are untouched (they may retry), the winners' emptied.
      const [carts] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM cart_items WHERE listing_id = $1`,
        [listingId],
      );
      expect(carts!.n).toBe(lost.length);
      return { won, lost, held };
    }

    it('200 concurrent checkouts racing for 50 units: exactly 50 orders, 150 × 409 out of stock', async () => {
      const listingId = await activeListing(t, dealer.userId, { stock: 50, b2cPricePaise: 60_000 });
      const tag = `race-unit-${randomUUID().slice(0, 8)}`;
      const outcomes = await race(
        listingId,
        racers.map((who) => ({ who, asked: 1 })),
        tag,
      );
      const { won, lost } = await expectNoOversell(listingId, 50, outcomes, tag);
      expect(won).toHaveLength(50);
      expect(lost).toHaveLength(150);
    }, 90_000);

    it.each([1, 2, 3])(
      'seed %i: buyers asking 1–3 units at random never get more than the 50 in stock',
      async (seed) => {
        const random = prng(seed * 7919);
        const takers = racers
          .filter(() => random() < 0.6)
          .map((who) => ({ who, asked: 1 + Math.floor(random() * 3) }));
        expect(takers.reduce((s, x) => s + x.asked, 0)).toBeGreaterThan(50);
        const listingId = await activeListing(t, dealer.userId, {
          stock: 50,
          b2cPricePaise: 60_000,
        });
        const tag = `race-s${seed}-${randomUUID().slice(0, 8)}`;
        const outcomes = await race(listingId, takers, tag);
        const { won, held } = await expectNoOversell(listingId, 50, outcomes, tag);
        expect(won.length).toBeGreaterThan(0);
        // Maximal: what is left cannot serve any refused buyer (checked above), and since one of them
        // asked at most 3, at most 2 units stay unreserved.
        expect(50 - held).toBeLessThanOrEqual(2);
      },
      90_000,
    );
  });

  // ---- 2. one buyer, two submits at once ----

  describe('two concurrent submits by the same buyer', () => {
    let buyer: SignedIn;

    beforeAll(async () => {
      buyer = await signInAs(t, 'customer');
    });

    /** POST /checkout with the raw response (status and headers). */
    const submit = async (key: string, address: ShippingAddress = ADDRESS) => {
      const { data, error, response } = await t.api.POST('/checkout', {
        params: { header: { 'Idempotency-Key': key } },
        body: { shippingAddress: address },
        headers: buyer.headers,
      });
      return {
        status: response.status,
        replayed: response.headers.get('idempotent-replayed'),
        order: data,
        code: (error as { code?: string } | undefined)?.code,
      };
    };
    const ordersOfBuyer = async () =>
      (
        await q<{ id: string }>(
          `SELECT id::text AS id FROM orders WHERE buyer_id = $1 ORDER BY created_at`,
          [buyer.userId],
        )
      ).map((r) => r.id);

    it('with different Idempotency-Keys: one order, the other finds the cart empty (409 cart/empty)', async () => {
      const listingId = await activeListing(t, dealer.userId, { stock: 10, b2cPricePaise: 60_000 });
      expect((await putInCart(t, buyer, listingId, 2)).status).toBe(200);
      const before = await ordersOfBuyer();
      const results = await Promise.all([submit(randomUUID()), submit(randomUUID())]);
      const sorted = [...results].sort((a, b) => a.status - b.status);
      expect(sorted.map((r) => [r.status, r.code])).toEqual([
        [201, undefined],
        [409, 'cart/empty'],
      ]);
      const after = await ordersOfBuyer();
      expect(after).toHaveLength(before.length + 1);
      expect(after).toContain(sorted[0]!.order!.id);
      expect(await stockOf(t, listingId)).toEqual({ onHand: 10, reserved: 2 });
      expect((await movementsOf(listingId)).filter((m) => m.kind === 'reserve')).toHaveLength(1);
    });

    it('with the same key: one order, both responses carry its id (201, then 200 replayed)', async () => {
      const listingId = await activeListing(t, dealer.userId, { stock: 10, b2cPricePaise: 60_000 });
      expect((await putInCart(t, buyer, listingId, 3)).status).toBe(200);
      const before = await ordersOfBuyer();
      const key = randomUUID();
      const results = await Promise.all([submit(key), submit(key)]);
      const sorted = [...results].sort((a, b) => a.status - b.status);
      expect(sorted.map((r) => [r.status, r.replayed])).toEqual([
        [200, 'true'],
        [201, null],
      ]);
      expect(sorted[0]!.order!.id).toBe(sorted[1]!.order!.id);
      const after = await ordersOfBuyer();
      expect(after).toEqual([...before, sorted[1]!.order!.id]);
      expect(await stockOf(t, listingId)).toEqual({ onHand: 10, reserved: 3 });

      // Retried later with the same key and body: the same order again, nothing reserved twice.
      const again = await submit(key);
      expect([again.status, again.replayed, again.order?.id]).toEqual([
        200,
        'true',
        sorted[1]!.order!.id,
      ]);
      // The same key for another body (another address): refused, nothing changes.
      const reused = await submit(key, { ...ADDRESS, line1: '99 Brigade Road' });
      expect([reused.status, reused.code]).toEqual([422, 'idempotency/key-reused']);
      expect(await ordersOfBuyer()).toEqual(after);
      expect(await stockOf(t, listingId)).toEqual({ onHand: 10, reserved: 3 });
      const [rows] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM idempotency_keys WHERE owner_id = $1 AND scope = 'checkout' AND key = $2`,
        [buyer.userId, key],
      );
      expect(rows!.n).toBe(1);
    });

    it('with the same key and different bodies at once: one order, the other 422 idempotency/key-reused', async () => {
      const listingId = await activeListing(t, dealer.userId, { stock: 10, b2cPricePaise: 60_000 });
      expect((await putInCart(t, buyer, listingId, 1)).status).toBe(200);
      const before = await ordersOfBuyer();
      const key = randomUUID();
      const results = await Promise.all([
        submit(key),
        submit(key, { ...ADDRESS, city: 'Mysuru', pincode: '570001' }),
      ]);
      const sorted = [...results].sort((a, b) => a.status - b.status);
      expect(sorted.map((r) => [r.status, r.code])).toEqual([
        [201, undefined],
        [422, 'idempotency/key-reused'],
      ]);
      expect(await ordersOfBuyer()).toEqual([...before, sorted[0]!.order!.id]);
      expect(await stockOf(t, listingId)).toEqual({ onHand: 10, reserved: 1 });
    });
  });

  // ---- 3. the property ----

  describe('stock accounting under random order commands (fast-check)', () => {
    let buyers: SignedIn[];
    let dealers: SignedIn[];

    beforeAll(async () => {
      buyers = await Promise.all([0, 1, 2].map(() => signInAs(t, 'customer')));
      dealers = [dealer, dealer2];
    });

    /** Listing i of a run: its dealer and B2C price. L2 alone needs 3 units to reach the minimum. */
    const LISTINGS = [
      { dealer: 0, price: 60_000 },
      { dealer: 0, price: 30_000 },
      { dealer: 1, price: 20_000 },
    ] as const;

    type Step =
      | { t: 'cart'; buyer: number; listing: number; qty: number }
      | { t: 'uncart'; buyer: number; listing: number }
      | { t: 'checkout'; buyer: number }
      | { t: 'pay'; order: number; wrongAmount: boolean }
      | { t: 'payFail'; order: number }
      | { t: 'expire'; order: number }
      | { t: 'buyerCancel'; order: number }
      | { t: 'dealerCancel'; order: number; sub: number }
      | { t: 'advance'; order: number; sub: number; times: number }
      | { t: 'restock'; listing: number; onHand: number };

    const slot = fc.nat({ max: 99 });
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          t: fc.constant('cart' as const),
          buyer: fc.nat({ max: 2 }),
          listing: fc.nat({ max: 2 }),
          qty: fc.integer({ min: 1, max: 3 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant('uncart' as const),
          buyer: fc.nat({ max: 2 }),
          listing: fc.nat({ max: 2 }),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ t: fc.constant('checkout' as const), buyer: slot }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          t: fc.constant('pay' as const),
          order: slot,
          wrongAmount: fc.nat({ max: 4 }).map((n) => n === 0),
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('payFail' as const), order: slot }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('expire' as const), order: slot }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('buyerCancel' as const), order: slot }) },
      {
        weight: 1,
        arbitrary: fc.record({ t: fc.constant('dealerCancel' as const), order: slot, sub: slot }),
      },
      {
        weight: 6,
        arbitrary: fc.record({
          t: fc.constant('advance' as const),
          order: slot,
          sub: slot,
          times: fc.integer({ min: 1, max: 4 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant('restock' as const),
          listing: fc.nat({ max: 2 }),
          onHand: fc.nat({ max: 12 }),
        }),
      },
    );
    const runArb = fc.record({
      stock: fc.tuple(...LISTINGS.map(() => fc.integer({ min: 1, max: 10 }))),
      steps: fc.array(stepArb, {
        minLength: Math.min(15, MAX_STEPS),
        maxLength: MAX_STEPS,
        size: 'max',
      }),
    });

    interface MSub {
      id: string;
      dealer: number;
      status: SubOrderStatus;
      itemsPaise: number;
      totalPaise: number;
      lines: { listing: number; qty: number }[];
    }
    interface MOrder {
      id: string;
      buyer: number;
      paymentStatus: Order['paymentStatus'];
      subs: MSub[];
    }
    interface MListing {
      id: string;
      onHand: number;
      reserved: number;
    }

    /** One run: fresh listings, the three buyers' carts emptied, a model of what must be true. */
    class Run {
      listings: MListing[] = [];
      carts: Map<number, number>[] = [new Map(), new Map(), new Map()];
      orders: MOrder[] = [];
      log: string[] = [];

      async start(stock: readonly number[]) {
        await q(`DELETE FROM cart_items WHERE buyer_id = ANY($1::uuid[])`, [
          buyers.map((b) => b.userId),
        ]);
        for (const [i, l] of LISTINGS.entries()) {
          const id = await activeListing(t, dealers[l.dealer]!.userId, {
            stock: stock[i]!,
            b2cPricePaise: l.price,
          });
          this.listings.push({ id, onHand: stock[i]!, reserved: 0 });
        }
        this.log.push(`listings ${this.listings.map((l) => `${l.id}:${l.onHand}`).join(' ')}`);
      }

      /** What the current step acted on (for the failure log). */
      private target = '';

      /**
       * The order a step acts on: mostly (slot < 80) one the step can move (`useful`), so steps do
       * more than bounce off finished orders; otherwise any.
       */
      private pickOrder(slot: number, useful: (o: MOrder) => boolean): MOrder | undefined {
        const live = this.orders.filter(useful);
        const pool = slot < 80 && live.length > 0 ? live : this.orders;
        const order = pool.length === 0 ? undefined : pool[slot % pool.length];
        this.target = order === undefined ? '' : ` order #${this.orders.indexOf(order)}`;
        return order;
      }

      /** A sub-order of `order`: mostly (slot < 80) one still moving. */
      private pickSub(order: MOrder, slot: number): MSub {
        const live = order.subs.filter((x) => !FINAL.includes(x.status));
        const pool = slot < 80 && live.length > 0 ? live : order.subs;
        const sub = pool[slot % pool.length]!;
        this.target += ` sub #${order.subs.indexOf(sub)}`;
        return sub;
      }

      /** The buyer who checks out: mostly (slot < 85) one with something in the cart. */
      private pickBuyer(slot: number): number {
        const filled = [0, 1, 2].filter((b) => this.carts[b]!.size > 0);
        const buyer = slot < 85 && filled.length > 0 ? filled[slot % filled.length]! : slot % 3;
        this.target = ` buyer ${buyer}`;
        return buyer;
      }

      /** Applies a sub-order's stock effect to the model (the table of sub-order-state.ts). */
      private move(sub: MSub, to: SubOrderStatus) {
        const from = sub.status;
        for (const line of sub.lines) {
          const l = this.listings[line.listing]!;
          if (from === 'awaiting_payment' && to === 'paid') {
            l.onHand -= line.qty;
            l.reserved -= line.qty;
          } else if (from === 'awaiting_payment' && to === 'cancelled') l.reserved -= line.qty;
          else if (BEFORE_SHIPPING.includes(from) && to === 'cancelled') l.onHand += line.qty;
        }
        sub.status = to;
      }

      /** The payment status once sub-orders moved (settleOrderStatus). */
      private settle(order: MOrder, expired = false) {
        if (order.paymentStatus !== 'awaiting_payment') return;
        if (order.subs.some((s) => s.status === 'awaiting_payment')) return;
        order.paymentStatus = order.subs.some((s) => s.status !== 'cancelled')
          ? 'paid'
          : expired
            ? 'expired'
            : 'cancelled';
      }

      async step(s: Step): Promise<void> {
        this.target = '';
        const got = await this.exec(s);
        this.log.push(`${JSON.stringify(s)}${this.target} → ${got}`);
      }

      /** Runs a step on the app and checks its result against the model; returns what happened. */
      private async exec(s: Step): Promise<string> {
        switch (s.t) {
          case 'cart': {
            const r = await putInCart(t, buyers[s.buyer]!, this.listings[s.listing]!.id, s.qty);
            expect(r.status).toBe(200);
            this.carts[s.buyer]!.set(s.listing, s.qty);
            return '200';
          }
          case 'uncart': {
            const { response } = await t.api.DELETE('/cart/items/{listingId}', {
              params: { path: { listingId: this.listings[s.listing]!.id } },
              headers: buyers[s.buyer]!.headers,
            });
            const expected = this.carts[s.buyer]!.delete(s.listing) ? 200 : 404;
            expect(response.status).toBe(expected);
            return String(response.status);
          }
          case 'checkout':
            return this.checkout(this.pickBuyer(s.buyer));
          case 'pay':
          case 'payFail':
            return this.payment(s);
          case 'expire': {
            const order = this.pickOrder(s.order, (o) => o.paymentStatus === 'awaiting_payment');
            if (order === undefined) return 'no order';
            await q(
              `UPDATE orders SET reservation_expires_at = now() - interval '1 minute'
               WHERE id = $1 AND payment_status = 'awaiting_payment'`,
              [order.id],
            );
            const due = order.paymentStatus === 'awaiting_payment';
            const expired = await t.app.get(OrderCommands).expireReservations();
            expect(expired).toBe(due ? 1 : 0);
            if (due) {
              for (const sub of order.subs.filter((x) => x.status === 'awaiting_payment'))
                this.move(sub, 'cancelled');
              this.settle(order, true);
            }
            return `expired ${expired}`;
          }
          case 'buyerCancel':
            return this.buyerCancel(s.order);
          case 'dealerCancel': {
            const order = this.pickOrder(s.order, (o) =>
              o.subs.some((x) => BEFORE_SHIPPING.includes(x.status)),
            );
            if (order === undefined) return 'no order';
            const sub = this.pickSub(order, s.sub);
            const { response, error } = await t.api.POST('/dealer/orders/{subOrderId}/cancel', {
              params: { path: { subOrderId: sub.id } },
              body: { reason: 'Cannot source this part' },
              headers: dealers[sub.dealer]!.headers,
            });
            const code = (error as { code?: string } | undefined)?.code;
            if (BEFORE_SHIPPING.includes(sub.status)) {
              expect([response.status, code]).toEqual([200, undefined]);
              this.move(sub, 'cancelled');
              this.settle(order);
            } else expect([response.status, code]).toEqual([409, 'order/invalid-transition']);
            return `${response.status} ${code ?? ''}`;
          }
          case 'advance':
            return this.advance(s.order, s.sub, s.times);
          case 'restock': {
            const l = this.listings[s.listing]!;
            const { response, error } = await t.api.PUT('/dealer/listings/{listingId}/stock', {
              params: { path: { listingId: l.id } },
              body: { onHand: s.onHand, reason: 'Stock count' },
              headers: dealers[LISTINGS[s.listing]!.dealer]!.headers,
            });
            const code = (error as { code?: string } | undefined)?.code;
            if (s.onHand < l.reserved)
              expect([response.status, code]).toEqual([409, 'listing/stock-below-reserved']);
            else {
              expect([response.status, code]).toEqual([200, undefined]);
              l.onHand = s.onHand;
            }
            return `${response.status} ${code ?? ''}`;
          }
        }
      }

      private async checkout(buyer: number): Promise<string> {
        const cart = [...this.carts[buyer]!.entries()].map(([listing, qty]) => ({ listing, qty }));
        const r = await checkout(t, buyers[buyer]!);
        const code = r.error?.code as string | undefined;
        const items = cart.reduce((s, c) => s + LISTINGS[c.listing]!.price * c.qty, 0);
        const avail = (i: number) => this.listings[i]!.onHand - this.listings[i]!.reserved;
        const short = cart.filter((c) => c.qty > avail(c.listing));
        if (cart.length === 0) expect([r.status, code]).toEqual([409, 'cart/empty']);
        else if (short.length > 0) {
          expect([r.status, code]).toEqual([409, 'order/out-of-stock']);
          const named = short.find((c) => this.listings[c.listing]!.id === r.error!.listingId);
          expect(named).toBeDefined();
          expect(r.error).toMatchObject({
            available: Math.max(0, avail(named!.listing)),
            requested: named!.qty,
          });
        } else if (items < B2C_MINIMUM_PAISE)
          expect([r.status, code]).toEqual([422, 'order/minimum-not-met']);
        else {
          expect([r.status, code]).toEqual([201, undefined]);
          const o = r.order!;
          const subs: MSub[] = [0, 1]
            .map((d): MSub | undefined => {
              const lines = cart.filter((c) => LISTINGS[c.listing]!.dealer === d);
              const subItems = lines.reduce((s, c) => s + LISTINGS[c.listing]!.price * c.qty, 0);
              const dto = o.subOrders.find((x) => x.dealerId === dealers[d]!.userId);
              if (lines.length === 0) {
                expect(dto).toBeUndefined();
                return undefined;
              }
              const delivery = subItems >= B2C_FREE_FROM_PAISE ? 0 : B2C_DELIVERY_PAISE;
              expect(dto).toBeDefined();
              expect({
                status: dto!.status,
                items: dto!.itemsPaise,
                total: dto!.totalPaise,
                lines: dto!.lines.map((l) => [l.listingId, l.quantity]).sort(),
              }).toEqual({
                status: 'awaiting_payment',
                items: subItems,
                total: subItems + delivery,
                lines: lines.map((c) => [this.listings[c.listing]!.id, c.qty]).sort(),
              });
              return {
                id: dto!.id,
                dealer: d,
                status: 'awaiting_payment',
                itemsPaise: subItems,
                totalPaise: subItems + delivery,
                lines,
              };
            })
            .filter((x): x is MSub => x !== undefined);
          expect(o.subOrders).toHaveLength(subs.length);
          expect(o.payablePaise).toBe(subs.reduce((s, x) => s + x.totalPaise, 0));
          for (const c of cart) this.listings[c.listing]!.reserved += c.qty;
          this.orders.push({ id: o.id, buyer, paymentStatus: 'awaiting_payment', subs });
          this.carts[buyer]!.clear();
        }
        return `${r.status} ${code ?? r.order?.id ?? ''}`;
      }

      private async payment(s: Extract<Step, { t: 'pay' | 'payFail' }>): Promise<string> {
        const order = this.pickOrder(s.order, (o) => o.paymentStatus === 'awaiting_payment');
        if (order === undefined) return 'no order';
        const commands = t.app.get(OrderCommands);
        const awaiting = order.subs.filter((x) => x.status === 'awaiting_payment');
        const payable = awaiting.reduce((sum, x) => sum + x.totalPaise, 0);
        let expected: PaymentOutcome;
        let outcome: PaymentOutcome;
        if (s.t === 'pay') {
          // Short by a paisa: pays nothing. (More than payable pays and reports the excess.)
          const amountPaise = payable - (s.wrongAmount ? 1 : 0);
          outcome = await commands.settlePayment(order.id, {
            paid: { reference: `pay_${randomUUID().slice(0, 12)}`, amountPaise },
          });
          // Every attempt here is a new gateway payment: on a paid order it is a duplicate.
          if (order.paymentStatus === 'paid')
            expected = { code: 'duplicate_payment', orderId: order.id };
          else if (order.paymentStatus !== 'awaiting_payment')
            expected = {
              code: 'not_payable',
              orderId: order.id,
              paymentStatus: order.paymentStatus,
            };
          else if (s.wrongAmount)
            expected = { code: 'amount_mismatch', orderId: order.id, payablePaise: payable };
          else {
            expected = { code: 'paid', orderId: order.id, amountPaise: payable, excessPaise: 0 };
            for (const sub of awaiting) this.move(sub, 'paid');
            this.settle(order);
          }
        } else {
          outcome = await commands.settlePayment(order.id, { failed: 'card declined' });
          if (order.paymentStatus !== 'awaiting_payment')
            expected = {
              code: 'not_payable',
              orderId: order.id,
              paymentStatus: order.paymentStatus,
            };
          else {
            expected = { code: 'released', orderId: order.id };
            for (const sub of awaiting) this.move(sub, 'cancelled');
            this.settle(order);
          }
        }
        expect(outcome).toEqual(expected);
        return outcome.code;
      }

      /** The cancellation policy: what would remain (shipped or later) is nothing or reaches the minimum. */
      private async buyerCancel(slot: number): Promise<string> {
        const order = this.pickOrder(slot, (o) =>
          o.subs.some((x) => BEFORE_SHIPPING.includes(x.status)),
        );
        if (order === undefined) return 'no order';
        const { response, error } = await t.api.POST('/orders/{orderId}/cancel', {
          params: { path: { orderId: order.id } },
          body: {},
          headers: buyers[order.buyer]!.headers,
        });
        const code = (error as { code?: string } | undefined)?.code;
        const targets = order.subs.filter((x) => BEFORE_SHIPPING.includes(x.status));
        const remaining = order.subs
          .filter((x) => x.status !== 'cancelled' && !targets.includes(x))
          .reduce((sum, x) => sum + x.itemsPaise, 0);
        if (targets.length === 0)
          expect([response.status, code]).toEqual([409, 'order/nothing-to-cancel']);
        else if (remaining > 0 && remaining < B2C_MINIMUM_PAISE)
          expect([response.status, code]).toEqual([409, 'order/cancel-below-minimum']);
        else {
          expect([response.status, code]).toEqual([200, undefined]);
          for (const sub of targets) this.move(sub, 'cancelled');
          this.settle(order);
        }
        return `${response.status} ${code ?? ''}`;
      }

      /** The next fulfilment step of a sub-order (accept → pack → ship → buyer confirms delivery). */
      private async advance(slot: number, subSlot: number, times: number): Promise<string> {
        const order = this.pickOrder(slot, (o) =>
          o.subs.some((x) => ['paid', 'accepted', 'packed', 'shipped'].includes(x.status)),
        );
        if (order === undefined) return 'no order';
        const sub = this.pickSub(order, subSlot);
        const path = { params: { path: { subOrderId: sub.id } } };
        const asDealer = { headers: dealers[sub.dealer]!.headers };
        const done: string[] = [];
        // Up to `times` steps along the way, stopping at the first refusal.
        while (done.length < times) {
          let res: { response: Response; error?: unknown };
          let next: SubOrderStatus | undefined;
          switch (sub.status) {
            case 'accepted':
              res = await t.api.POST('/dealer/orders/{subOrderId}/pack', { ...path, ...asDealer });
              next = 'packed';
              break;
            case 'packed':
              res = await t.api.POST('/dealer/orders/{subOrderId}/ship', {
                ...path,
                ...asDealer,
                body: { carrier: 'BlueDart', trackingNumber: 'BD-1234567' },
              });
              next = 'shipped';
              break;
            case 'shipped':
              res = await t.api.POST('/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery', {
                params: { path: { orderId: order.id, subOrderId: sub.id } },
                headers: buyers[order.buyer]!.headers,
              });
              next = 'delivered';
              break;
            default:
              // paid → accepted; anything else must be refused.
              res = await t.api.POST('/dealer/orders/{subOrderId}/accept', {
                ...path,
                ...asDealer,
              });
              next = sub.status === 'paid' ? 'accepted' : undefined;
          }
          const code = (res.error as { code?: string } | undefined)?.code;
          if (next === undefined) {
            expect([res.response.status, code]).toEqual([409, 'order/invalid-transition']);
            done.push(`${res.response.status} ${code}`);
            break;
          }
          expect([res.response.status, code]).toEqual([200, undefined]);
          this.move(sub, next);
          done.push(`200 ${next}`);
        }
        return done.join(', ');
      }

      /** After every step: the counters, the database's own accounting and every status. */
      async check(): Promise<void> {
        const ids = this.listings.map((l) => l.id);
        const rows = await q<{
          id: string;
          on_hand: number;
          reserved: number;
          awaiting_units: number;
          sold_units: number;
          received: number;
          sum_on_hand: number;
          sum_reserved: number;
          sold_moved: number;
        }>(
          `SELECT l.id::text AS id, l.stock_on_hand AS on_hand, l.stock_reserved AS reserved,
             (SELECT coalesce(sum(ol.quantity), 0)::int FROM order_lines ol JOIN sub_orders s ON s.id = ol.sub_order_id
              WHERE ol.listing_id = l.id AND s.status = 'awaiting_payment') AS awaiting_units,
             (SELECT coalesce(sum(ol.quantity), 0)::int FROM order_lines ol JOIN sub_orders s ON s.id = ol.sub_order_id
              WHERE ol.listing_id = l.id AND s.status = ANY($2::text[])) AS sold_units,
             (SELECT coalesce(sum(on_hand_delta), 0)::int FROM stock_movements m
              WHERE m.listing_id = l.id AND m.kind IN ('set', 'adjust')) AS received,
             (SELECT coalesce(sum(on_hand_delta), 0)::int FROM stock_movements m WHERE m.listing_id = l.id) AS sum_on_hand,
             (SELECT coalesce(sum(reserved_delta), 0)::int FROM stock_movements m WHERE m.listing_id = l.id) AS sum_reserved,
             (SELECT coalesce(-sum(on_hand_delta), 0)::int FROM stock_movements m
              WHERE m.listing_id = l.id AND m.kind IN ('sell', 'restock')) AS sold_moved
           FROM listings l WHERE l.id = ANY($1::uuid[])`,
          [ids, SOLD],
        );
        for (const [i, l] of this.listings.entries()) {
          const r = rows.find((x) => x.id === l.id)!;
          const available = r.on_hand - r.reserved;
          expect({ listing: i, onHand: r.on_hand, reserved: r.reserved }).toEqual({
            listing: i,
            onHand: l.onHand,
            reserved: l.reserved,
          });
          expect({
            listing: i,
            nonNegative: available >= 0 && r.reserved >= 0,
            // available + reserved + sold = total received (set/adjust movements)
            total: available + r.reserved + r.sold_units,
            // reserved = what unpaid sub-orders hold
            reserved: r.awaiting_units,
            // the movements sum to the counters, and sold = what sell − restock movements moved
            movedOnHand: r.sum_on_hand,
            movedReserved: r.sum_reserved,
            soldByMovements: r.sold_moved,
          }).toEqual({
            listing: i,
            nonNegative: true,
            total: r.received,
            reserved: r.reserved,
            movedOnHand: r.on_hand,
            movedReserved: r.reserved,
            soldByMovements: r.sold_units,
          });
        }
        const subs = await q<{ id: string; status: string; payment_status: string }>(
          `SELECT s.id::text AS id, s.status, o.payment_status FROM sub_orders s JOIN orders o ON o.id = s.order_id
           WHERE s.order_id = ANY($1::uuid[])`,
          [this.orders.map((o) => o.id)],
        );
        const actual = Object.fromEntries(subs.map((s) => [s.id, [s.status, s.payment_status]]));
        const modelled = Object.fromEntries(
          this.orders.flatMap((o) => o.subs.map((s) => [s.id, [s.status, o.paymentStatus]])),
        );
        expect(actual).toEqual(modelled);
      }

      /** At the end: each listing's movements chain to its counters. */
      async finish(): Promise<void> {
        for (const l of this.listings)
          expect(expectMovementsChain(await movementsOf(l.id))).toEqual({
            onHand: l.onHand,
            reserved: l.reserved,
          });
      }
    }

    it(`random command sequences (${RUNS} runs × ≤ ${MAX_STEPS} steps) keep every listing's stock accounted for`, async () => {
      const first = SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(SEED);
      const seen = new Map<string, number>();
      // The generators must reach the interesting outcomes (not just refusals). A batch of random
      // runs may by chance reach one of them nowhere: then further batches (the next seeds) run, up
      // to BATCHES in all, so only a generator that cannot reach an outcome fails here.
      const WANTED = ['checkout 201', 'pay paid', 'advance 200'];
      const missingOutcomes = () =>
        WANTED.filter((wanted) => ![...seen.keys()].some((k) => k.startsWith(wanted)));
      const BATCHES = 3;
      const seeds: number[] = [];
      for (
        let batch = 0;
        batch < BATCHES && (batch === 0 || missingOutcomes().length > 0);
        batch++
      ) {
        const seed = first + batch;
        seeds.push(seed);
        await fc.assert(
          fc.asyncProperty(runArb, async (input) => {
            const run = new Run();
            let current = 'start';
            try {
              await run.start(input.stock);
              await run.check();
              for (const [i, step] of input.steps.entries()) {
                current = `step ${i} (${step.t})`;
                await run.step(step);
                await run.check();
                const last = run.log[run.log.length - 1]!;
                const key = `${step.t} ${last.split('→ ')[1]!.replace(/[0-9a-f-]{36}/g, '<id>')}`;
                seen.set(key, (seen.get(key) ?? 0) + 1);
              }
              current = 'finish';
              await run.finish();
            } catch (err) {
              throw new Error(
                `${current} failed: ${(err as Error).message}\ncommands of this run:\n  ${run.log.join('\n  ')}`,
                { cause: err },
              );
            }
          }),
          { numRuns: RUNS, seed, ...(PATH === undefined ? {} : { path: PATH }) },
        );
      }
      if (process.env.ORDERS_PROPERTY_STATS === '1')
        console.info(
          [...seen]
            .sort()
            .map(([k, n]) => `${n}\t${k}`)
            .join('\n'),
        );
      // (The seeds are in the failure: ORDERS_PROPERTY_SEED=<the first> replays the batches.)
      expect({ seeds, missing: missingOutcomes() }).toEqual({ seeds, missing: [] });
    }, 180_000);
  });
});
