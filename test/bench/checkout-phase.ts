/**
 * bench:catalog's checkout phase: checkout throughput under contention, exactness checked.
 *
 * BUYERS (32) approved customers, each a loop for `seconds`: put one listing (quantity 1–3) in the
 * cart, then `POST /checkout` with a fresh Idempotency-Key. Two runs on the same server and database:
 * - baseline, uncontended: every buyer buys its own listing (no two checkouts touch the same row);
 * - contended: every buyer picks one of HOT (10) listings at random (the hot rows' locks serialize).
 * Stock is sized so the hot listings run out during the run, so the out-of-stock path is exercised
 * too. Exactness afterwards, per listing: stock_reserved = Σ quantity of its lines in sub-orders
 * awaiting payment, on hand unchanged, reserved ≤ on hand; orders in the database = 201 answers;
 * every non-201 checkout is a 409 `order/out-of-stock`.
 */
import { randomUUID } from 'node:crypto';
import { testGstin } from '../support/accounts.js';
import { withClient } from '../support/test-database.js';

export const BUYERS = 32;
export const HOT = 10;

export interface CheckoutRun {
  name: string;
  orders: number;
  outOfStock: number;
  otherErrors: number;
  ordersPerSecond: number;
  p50: number;
  p99: number;
}

export interface CheckoutPhaseResult {
  baseline: CheckoutRun;
  contended: CheckoutRun;
  exact: boolean;
  problems: string[];
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function insertListings(
  ownerUrl: string,
  dealerId: string,
  count: number,
  stock: number,
  tag: string,
): Promise<string[]> {
  return withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition, hsn_code,
         gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, stock_on_hand, status, search_text)
       SELECT $1, $2 || '-' || i, 'Bench ' || $2 || ' display ' || i, 'display', 'Bench', ARRAY['Bench Phone'],
              'new', '85177900', 1800, 120000, 99900, 90000, $3, 'active', 'bench ' || $2 || ' display ' || i
       FROM generate_series(1, $4) i RETURNING id::text AS id`,
      [dealerId, tag, stock, count],
    );
    return rows.map((r) => r.id);
  });
}

async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

const ADDRESS = {
  name: 'Bench Buyer',
  phone: '+919800000001',
  line1: '1 Bench Road',
  city: 'Bengaluru',
  state: 'Karnataka',
  pincode: '560001',
};

async function run(
  name: string,
  base: string,
  tokens: string[],
  pick: (buyer: number) => string,
  seconds: number,
): Promise<CheckoutRun & { statuses: Map<string, number> }> {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let orders = 0;
  let outOfStock = 0;
  let otherErrors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    tokens.map(async (token, buyer) => {
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      while (performance.now() < deadline) {
        const quantity = 1 + Math.floor(Math.random() * 3);
        const put = await fetch(`${base}/cart/items/${pick(buyer)}`, {
          method: 'PUT',
          headers: auth,
          body: JSON.stringify({ quantity }),
        });
        await put.arrayBuffer();
        if (put.status !== 200) {
          otherErrors++;
          continue;
        }
        const t0 = performance.now();
        const res = await fetch(`${base}/checkout`, {
          method: 'POST',
          headers: { ...auth, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ shippingAddress: ADDRESS }),
        });
        const body = (await res.json()) as { code?: string };
        latencies.push(performance.now() - t0);
        const key = `${res.status} ${body.code ?? ''}`.trim();
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res.status === 201) orders++;
        else if (res.status === 409 && body.code === 'order/out-of-stock') {
          outOfStock++;
          // The line stays in the cart: empty it so the next pick starts clean.
          await (
            await fetch(`${base}/cart`, {
              method: 'DELETE',
              headers: { authorization: auth.authorization },
            })
          ).arrayBuffer();
        } else otherErrors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    orders,
    outOfStock,
    otherErrors,
    ordersPerSecond: orders / elapsed,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    statuses,
  };
}

/** Both runs and the exactness check, on a server already running against `ownerUrl`'s database. */
export async function checkoutPhase(
  base: string,
  ownerUrl: string,
  passwordHash: string,
  password: string,
  seconds: number,
): Promise<CheckoutPhaseResult> {
  const dealerId = await withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan, pickup_address)
       VALUES ('dealer', 'approved', 'bench-checkout-dealer@bench.fixbazaar.in', $1, 'Bench dealer', 'Bench Parts',
               $2, substr($2, 3, 10), '{"line1":"1 Bench Road","city":"Bengaluru","state":"Karnataka","pincode":"560001"}')
       RETURNING id::text AS id`,
      [passwordHash, testGstin()],
    );
    return rows[0]!.id;
  });
  const emails = Array.from({ length: BUYERS }, (_, i) => `bench-checkout-${i}@bench.fixbazaar.in`);
  await withClient(ownerUrl, (c) =>
    c.query(
      `INSERT INTO users (role, status, email, password_hash, display_name)
       SELECT 'customer', 'approved', e, $2, 'Bench buyer' FROM unnest($1::text[]) e`,
      [emails, passwordHash],
    ),
  );
  const tokens: string[] = [];
  for (const e of emails) tokens.push(await signIn(base, e, password));

  // Baseline: one listing per buyer, stock that never runs out.
  const own = await insertListings(ownerUrl, dealerId, BUYERS, 1_000_000, 'own');
  const baseline = await run(
    'uncontended (own listing per buyer)',
    base,
    tokens,
    (b) => own[b]!,
    seconds,
  );
  // Contended: 10 hot listings, stock sized to run out during the run.
  const hotStock = Math.max(50, Math.round((baseline.ordersPerSecond * seconds * 2) / HOT));
  const hot = await insertListings(ownerUrl, dealerId, HOT, hotStock, 'hot');
  const contended = await run(
    `contended (${HOT} hot listings, ${hotStock} units each)`,
    base,
    tokens,
    () => hot[Math.floor(Math.random() * HOT)]!,
    seconds,
  );

  const problems: string[] = [];
  await withClient(ownerUrl, async (c) => {
    const { rows } = await c.query<{
      id: string;
      on_hand: number;
      reserved: number;
      held: string;
      initial: number;
    }>(
      `SELECT l.id::text AS id, l.stock_on_hand AS on_hand, l.stock_reserved AS reserved,
              coalesce((SELECT sum(ol.quantity) FROM order_lines ol JOIN sub_orders s ON s.id = ol.sub_order_id
                        WHERE ol.listing_id = l.id AND s.status = 'awaiting_payment'), 0)::text AS held,
              CASE WHEN l.sku LIKE 'own-%' THEN 1000000 ELSE $2 END AS initial
       FROM listings l WHERE l.id = ANY($1::uuid[])`,
      [[...own, ...hot], hotStock],
    );
    for (const r of rows) {
      if (r.reserved !== Number(r.held))
        problems.push(`listing ${r.id}: reserved ${r.reserved} ≠ ${r.held} held by unpaid orders`);
      if (r.on_hand !== r.initial)
        problems.push(`listing ${r.id}: on hand ${r.on_hand} ≠ ${r.initial}`);
      if (r.reserved > r.on_hand)
        problems.push(`listing ${r.id}: reserved ${r.reserved} > on hand ${r.on_hand}`);
    }
    const { rows: counted } = await c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders`,
    );
    if (Number(counted[0]!.n) !== baseline.orders + contended.orders)
      problems.push(
        `orders in the database ${counted[0]!.n} ≠ ${baseline.orders + contended.orders} answered 201`,
      );
    const soldOut = rows.filter((r) => hot.includes(r.id) && r.on_hand - r.reserved < 3).length;
    if (soldOut === 0)
      problems.push(
        'no hot listing ran (nearly) out of stock: the out-of-stock path was not exercised',
      );
  });
  for (const r of [baseline, contended])
    if (r.otherErrors > 0)
      problems.push(
        `${r.name}: ${r.otherErrors} unexpected answers (${[...r.statuses].map(([k, v]) => `${k}×${v}`).join(', ')})`,
      );
  return { baseline, contended, exact: problems.length === 0, problems };
}
