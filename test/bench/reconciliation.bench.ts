import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server as HttpServer } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import createClient from 'openapi-fetch';
import { PgBoss } from 'pg-boss';
import {
  startRazorpaySandbox,
  type RazorpaySandbox,
} from '../../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../../src/config/app-config.js';
import { RazorpayGateway } from '../../src/gateway/razorpay.gateway.js';
import { HOLD_TRANSFER_JOBS } from '../../src/payments/hold-transfer-jobs.js';
import { businessDayOf, businessDayWindow } from '../../src/escrow/views/business-day.js';
import { QUIET_ENV, testGstin, testPan, totpCode } from '../support/accounts.js';
import type { components, paths } from '../support/api-types.js';
import { withClient } from '../support/test-database.js';
import { createBenchDatabase } from './bench-database.js';
import { benchRoot, startServer, type Server } from './bench-util.js';

/**
 * `npm run bench:reconciliation`: the daily ledger-to-gateway reconciliation (README "Daily
 * reconciliation") over one seeded business day, against the local Razorpay sandbox.
 *
 * The sandbox runs in this process (behind a pass-through proxy that counts the Razorpay API calls);
 * the built server runs in its own process on a fresh database with pg-boss workers on, its
 * RAZORPAY_API_URL pointing at the proxy and the sandbox's webhooks pointing at the server.
 *
 * Seeding (today, IST), all through the real API as the e2e tests do, by BENCH_BUYERS (8) buyers
 * concurrently: BENCH_PAYMENTS (2,000) paid B2C orders (cart → checkout → open payment → pay at the
 * sandbox → verify; one order in ten spans two dealers, i.e. two escrow holds and two Route
 * transfers), from BENCH_DEALERS (4) dealers approved through the admin API, onboarded to Route by
 * the server's job and activated at the sandbox. The server transfers every hold on hold (its job).
 * Then: one order in twenty has a sub-order cancelled by its dealer before shipping (refunded by
 * the server's refund job: transfer reversed, payment refunded); BENCH_RELEASED (30 %) of the orders
 * are accepted, packed, shipped and confirmed delivered through the API, their delivery backdated
 * past the return window in SQL, completed and released by the server's jobs (the release lifts
 * the Route hold after reversing the platform's share). Without releases every captured rupee would
 * stay transferred on hold and the merchant's settlement would be negative (none): about a quarter
 * of the day must be released for it to be positive. Finally one `control.settle()` (the merchant's
 * settlement and each dealer's payout), webhooks delivered and processed.
 *
 * Two shortcuts, both outside src: the backdated delivery (time passes), and after seeding one
 * `payments.route-transfers {dealerId}` job per dealer sent at a higher priority through pg-boss
 * (the job a Route activation enqueues: every waiting hold of the dealer in one job). The server's
 * queues run one job per poll (pg-boss `work`, batch 1, 1 s polling), so the per-payment transfer
 * jobs a burst of captures enqueues would take about one second per payment (~33 min for 2,000);
 * the bench prints how many the per-payment jobs had transferred by the end of seeding. The
 * Route releases (one `payments.route-release` job per sub-order) have no such shortcut: they run at
 * that pace, ~1 per second, which is most of the bench's wall time.
 *
 * Measured, same command:
 * 1. baseline: the gateway I/O alone — listing the day's payments, refunds, transfers and
 *    settlements through the server's own adapter (RazorpayGateway over the official SDK, 100 a
 *    page, same range as the run), three times, median;
 * 2. the run: `POST /admin/reconciliation/runs {date: today}`, polled every 100 ms until completed:
 *    wall time (finishedAt − startedAt), items examined per second (payments, refunds, transfers and
 *    settlements: matched + in transit + exceptions, from the summary), run / baseline, the
 *    exceptions found (0 expected on this consistent day; printed otherwise, and the bench exits 1),
 *    the server's RSS and CPU time, the gateway calls it made;
 * 3. a rerun of the same day (the update path).
 *
 * Env: BENCH_PAYMENTS (2000), BENCH_BUYERS (8), BENCH_DEALERS (4), BENCH_RELEASED (0.3),
 * BENCH_KEEP_DATABASE=1, DATABASE_URL / DATABASE_OWNER_URL as for the app (default: the local cluster).
 */
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 2000);
const BUYERS = Number(process.env.BENCH_BUYERS ?? 8);
const DEALERS = Number(process.env.BENCH_DEALERS ?? 4);
const RELEASED_SHARE = Number(process.env.BENCH_RELEASED ?? 0.3);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const DB_PREFIX = 'fixbazaar_bench_reconciliation_';
const PASSWORD = 'bench-reconciliation-password';
const LISTINGS_PER_DEALER = 20;
/** B2C prices (paise), all ≥ ₹500 (the B2C minimum order). */
const PRICES = [50_000, 64_900, 79_900, 99_900, 129_900, 149_900, 219_900, 349_900];
/** Enough time before IST midnight for seeding and both runs to fall in one business day. */
const IST_MIDNIGHT_MARGIN_MS = 20 * 60_000;
const ORDER_AUTO_COMPLETE_HOURS = 168;

type Api = ReturnType<typeof createClient<paths>>;
type Run = components['schemas']['ReconciliationRunDto'];
type Summary = components['schemas']['ReconciliationSummaryDto'];
type Who = { userId: string; headers: { authorization: string } };

const ADDRESS: components['schemas']['ShippingAddressDto'] = {
  name: 'Bench Buyer',
  phone: '+919800000001',
  line1: '1 Bench Road',
  city: 'Bengaluru',
  state: 'Karnataka',
  pincode: '560001',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `task(i)` for i in [0, count) with `width` loops in parallel. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async (_, w) => {
      for (let i = next++; i < count; i = next++) await task(i);
      return w;
    }),
  );
}

async function waitFor(what: string, check: () => Promise<string | true>, timeoutMs = 300_000) {
  const started = Date.now();
  for (;;) {
    const r = await check();
    if (r === true) {
      console.log(`  ${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what}: not done after ${timeoutMs / 1000} s (${r})`);
    await sleep(500);
  }
}

/** A pass-through proxy in front of the sandbox counting Razorpay API calls by route. */
async function countingProxy(target: string): Promise<{
  url: string;
  counts: Map<string, number>;
  close(): Promise<void>;
}> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = new Map<string, number>();
  const server: HttpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/[a-z]+_[A-Za-z0-9]+/g, '/:id');
    const key = `${req.method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const out = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: to.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Resident set size (MiB) and CPU time (s) of a process, from /proc (Linux). */
function processStats(pid: number): { rssMiB: number; cpuS: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    return { rssMiB: rss, cpuS: cpu };
  } catch {
    return null;
  }
}

function check<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (!r.response.ok || r.data === undefined)
    throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

async function signIn(base: string, email: string, userId: string): Promise<Who> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: email, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status}`);
  let body = (await res.json()) as { accessToken?: string; mfaToken?: string };
  if (body.mfaToken) {
    // The bench's admin (inserted without a second factor) enrols TOTP, as new staff do.
    const post = async (path: string, payload: unknown) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      if (r.status !== 200) throw new Error(`${path} ${email}: ${r.status}`);
      return (await r.json()) as Record<string, string>;
    };
    const { secret } = await post('/auth/mfa/enrolment', { mfaToken: body.mfaToken });
    body = await post('/auth/mfa/enrolment/confirm', {
      mfaToken: body.mfaToken,
      code: totpCode(secret!),
    });
  }
  return { userId, headers: { authorization: `Bearer ${body.accessToken!}` } };
}

const CATEGORIES = ['payments', 'fees', 'refunds', 'transfers', 'settlements', 'payouts'] as const;
/** What a run examines: payments, refunds, transfers and settlements (matched + in transit + exceptions). */
const examined = (s: Summary) =>
  (['payments', 'refunds', 'transfers', 'settlements'] as const).reduce(
    (n, c) => n + s[c].matched + s[c].inTransit + s[c].exceptions,
    0,
  );

function printSummary(s: Summary): void {
  console.log(
    `  ${'category'.padEnd(12)} ${'gateway n'.padStart(9)} ${'gateway ₹'.padStart(13)} ${'ledger n'.padStart(9)} ${'ledger ₹'.padStart(13)} ${'matched'.padStart(8)} ${'transit'.padStart(8)} ${'except.'.padStart(8)}`,
  );
  const rupees = (p: number) => (p / 100).toFixed(2);
  for (const c of [...CATEGORIES, 'other'] as const) {
    const x = s[c];
    console.log(
      `  ${c.padEnd(12)} ${String(x.gateway.count).padStart(9)} ${rupees(x.gateway.paise).padStart(13)} ${String(x.ledger.count).padStart(9)} ${rupees(x.ledger.paise).padStart(13)} ${String(x.matched).padStart(8)} ${String(x.inTransit).padStart(8)} ${String(x.exceptions).padStart(8)}`,
    );
  }
  console.log(`  ledger net on asset:gateway_receivable ₹${rupees(s.ledgerNetPaise)}`);
}

interface Placed {
  orderId: string;
  buyer: number;
  subOrders: { id: string; dealerId: string }[];
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const msToIstMidnight = 86_400_000 - ((Date.now() + 330 * 60_000) % 86_400_000);
  if (msToIstMidnight < IST_MIDNIGHT_MARGIN_MS) {
    console.log(`waiting ${(msToIstMidnight / 60_000).toFixed(1)} min for IST midnight to pass`);
    await sleep(msToIstMidnight + 5_000);
  }
  const db = await createBenchDatabase({ prefix: DB_PREFIX });
  const sandbox: RazorpaySandbox = await startRazorpaySandbox({
    keyId: SANDBOX_RAZORPAY.keyId,
    keySecret: SANDBOX_RAZORPAY.keySecret,
    webhookSecret: SANDBOX_RAZORPAY.webhookSecret,
  });
  const proxy = await countingProxy(sandbox.url);
  let server: Server | undefined;
  let failed = false;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(db.config.database.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  try {
    const { version } = (
      await sql<{ version: string }>(`SELECT current_setting('server_version') AS version`)
    )[0]!;
    console.log(
      `bench:reconciliation — ${PAYMENTS} payments by ${BUYERS} buyers from ${DEALERS} dealers, ` +
        `${(RELEASED_SHARE * 100).toFixed(0)} % released, 5 % cancelled; ${cpus().length} cpus, ` +
        `${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average at start ${load}; node ${process.version}, ` +
        `PostgreSQL ${version}, database ${db.name}`,
    );
    server = await startServer(join(benchRoot, 'dist', 'src', 'main.js'), {
      ...QUIET_ENV,
      DATABASE_URL: db.config.database.url,
      DATABASE_OWNER_URL: db.config.database.ownerUrl,
      JOBS_WORKERS: 'true',
      RAZORPAY_API_URL: proxy.url,
      RAZORPAY_KEY_ID: SANDBOX_RAZORPAY.keyId,
      RAZORPAY_KEY_SECRET: SANDBOX_RAZORPAY.keySecret,
      RAZORPAY_WEBHOOK_SECRET: SANDBOX_RAZORPAY.webhookSecret,
      ORDER_AUTO_COMPLETE_HOURS: String(ORDER_AUTO_COMPLETE_HOURS),
      // Its few buyers place hundreds of orders each: velocity would hold them for review.
      FRAUD_CHECKS: 'off',
    });
    const base = server.base;
    const pid = server.child.pid!;
    sandbox.control.setWebhookUrl(`${base}/webhooks/razorpay`);
    // Readiness (database, schema, pg-boss started) and the sandbox's own health.
    await waitFor('server ready', async () => {
      const status = await fetch(`${base}/health/ready`).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200 || `readiness ${status}`;
    });
    const sandboxHealth = await fetch(`${proxy.url}/__sandbox/health`);
    if (!sandboxHealth.ok) throw new Error(`sandbox health ${sandboxHealth.status}`);
    const api: Api = createClient<paths>({ baseUrl: base });

    // ---- accounts --------------------------------------------------------------------------
    const hash = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
    });
    const tag = Date.now().toString(36);
    const users = await sql<{
      id: string;
      email: string;
      role: string;
      gstin: string | null;
      pan: string | null;
    }>(
      `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan, pickup_address)
       SELECT r.role, r.status, r.email, $1, r.name, r.business, r.gstin, r.pan, r.pickup::jsonb
       FROM jsonb_to_recordset($2::jsonb) AS r(role text, status text, email text, name text, business text,
                                               gstin text, pan text, pickup text)
       RETURNING id::text AS id, email::text AS email, role, gstin, pan`,
      [
        hash,
        JSON.stringify([
          {
            role: 'admin',
            status: 'approved',
            email: `bench-admin-${tag}@bench.fixbazaar.in`,
            name: 'Bench admin',
          },
          ...Array.from({ length: DEALERS }, (_, i) => {
            const pan = testPan();
            return {
              role: 'dealer',
              status: 'pending',
              email: `bench-dealer-${i}-${tag}@bench.fixbazaar.in`,
              name: `Bench dealer ${i}`,
              business: `Bench Spares ${i}`,
              gstin: testGstin('Karnataka', pan),
              pan,
              pickup: JSON.stringify({
                line1: `${i + 1} SP Road`,
                city: 'Bengaluru',
                state: 'Karnataka',
                pincode: '560002',
              }),
            };
          }),
          ...Array.from({ length: BUYERS }, (_, i) => ({
            role: 'customer',
            status: 'approved',
            email: `bench-buyer-${i}-${tag}@bench.fixbazaar.in`,
            name: `Bench buyer ${i}`,
          })),
        ]),
      ],
    );
    const adminRow = users.find((u) => u.role === 'admin')!;
    const dealerRows = users.filter((u) => u.role === 'dealer');
    const buyerRows = users.filter((u) => u.role === 'customer');
    const admin = await signIn(base, adminRow.email, adminRow.id);
    for (const d of dealerRows)
      check(
        'approve dealer',
        await api.POST('/admin/users/{id}/approve', {
          params: { path: { id: d.id } },
          body: { reason: 'KYC documents checked (bench)' },
          headers: admin.headers,
        }),
      );
    // Each dealer gives its settlement details, which the admin approves; Route onboarding is the
    // server's job; the sandbox's back office activates the accounts.
    for (const d of dealerRows) {
      const who = await signIn(base, d.email, d.id);
      check(
        'settlement details',
        await api.PUT('/payees/me/settlement-details', {
          body: {
            pan: d.pan!,
            gstin: d.gstin!,
            businessType: 'proprietorship',
            beneficiaryName: 'Bench Spares',
            ifsc: 'HDFC0000317',
            accountNumber: '50100123456789',
          },
          headers: who.headers,
        }),
      );
      check(
        'approve settlement details',
        await api.POST('/admin/payees/{id}/settlement-details/approve', {
          params: { path: { id: d.id } },
          body: { reason: 'bank letter checked (bench)' },
          headers: admin.headers,
        }),
      );
    }
    await waitFor('Route products configured', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM payee_route_accounts WHERE status = 'product_configured'`,
      );
      return rows[0]!.n === DEALERS || `${rows[0]!.n}/${DEALERS}`;
    });
    for (const a of sandbox.control.accounts()) sandbox.control.activateAccount(a.id);
    await sandbox.control.flushWebhooks();
    await waitFor('Route linked accounts activated', async () => {
      const rows = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM payee_route_accounts WHERE status = 'activated'`,
      );
      return rows[0]!.n === DEALERS || `${rows[0]!.n}/${DEALERS}`;
    });
    const dealers = await Promise.all(dealerRows.map((d) => signIn(base, d.email, d.id)));
    const buyers = await Promise.all(buyerRows.map((b) => signIn(base, b.email, b.id)));
    const dealerOf = new Map(dealers.map((d) => [d.userId, d]));

    // ---- listings (as the tests' activeListing does: SQL, with their `set` movement) --------
    const listings: string[][] = [];
    for (const [i, d] of dealers.entries()) {
      const rows = await sql<{ id: string }>(
        `WITH l AS (
           INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition, hsn_code,
             gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, stock_on_hand, status, search_text)
           SELECT $1, 'RB-' || $2 || '-' || n, 'Bench display ' || $2 || '-' || n, 'display', 'Generic',
                  ARRAY['Bench Phone'], 'new', '85177900', 1800, p, p, floor(p * 0.9), 1000000, 'active',
                  'bench display ' || $2 || ' ' || n
           FROM unnest($3::bigint[]) WITH ORDINALITY AS x(p, n)
           RETURNING id, stock_on_hand),
         m AS (
           INSERT INTO stock_movements (listing_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason)
           SELECT id, 'set', stock_on_hand, 0, stock_on_hand, 0, 'bench fixture' FROM l)
         SELECT id::text AS id FROM l`,
        [
          d.userId,
          `${tag}-${i}`,
          Array.from({ length: LISTINGS_PER_DEALER }, (_, k) => PRICES[k % PRICES.length]!),
        ],
      );
      listings.push(rows.map((r) => r.id));
    }

    // ---- the day's orders, paid ----------------------------------------------------------
    const placed: Placed[] = new Array<Placed>(PAYMENTS);
    let seededAt = performance.now();
    await pool(PAYMENTS, BUYERS, async (i) => {
      const b = i % BUYERS;
      const buyer = buyers[b]!;
      const d1 = i % DEALERS;
      const items = [listings[d1]![(i * 7) % LISTINGS_PER_DEALER]!];
      if (i % 10 === 3 && DEALERS > 1)
        items.push(listings[(d1 + 1) % DEALERS]![(i * 3) % LISTINGS_PER_DEALER]!);
      for (const listingId of items)
        check(
          'put in cart',
          await api.PUT('/cart/items/{listingId}', {
            params: { path: { listingId } },
            body: { quantity: 1 + (i % 2) },
            headers: buyer.headers,
          }),
        );
      const order = check(
        'checkout',
        await api.POST('/checkout', {
          params: { header: { 'Idempotency-Key': randomUUID() } },
          body: { shippingAddress: ADDRESS },
          headers: buyer.headers,
        }),
      );
      const opened = check(
        'open payment',
        await api.POST('/orders/{orderId}/payments', {
          params: { path: { orderId: order.id } },
          headers: buyer.headers,
        }),
      );
      const paid = sandbox.control.pay(opened.gatewayOrderId!, { outcome: 'captured' });
      if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
      const verified = check(
        'verify payment',
        await api.POST('/orders/{orderId}/payments/verify', {
          params: { path: { orderId: order.id } },
          body: {
            razorpayOrderId: paid.razorpay_order_id,
            razorpayPaymentId: paid.razorpay_payment_id,
            razorpaySignature: paid.razorpay_signature,
          },
          headers: buyer.headers,
        }),
      );
      if (verified.status !== 'captured') throw new Error(`payment ${verified.status}`);
      placed[i] = {
        orderId: order.id,
        buyer: b,
        subOrders: order.subOrders.map((s) => ({ id: s.id, dealerId: s.dealerId })),
      };
      if ((i + 1) % 500 === 0)
        console.log(
          `  ${i + 1} orders paid (${((i + 1) / ((performance.now() - seededAt) / 1000)).toFixed(1)}/s)`,
        );
    });
    const paySeconds = (performance.now() - seededAt) / 1000;
    const subOrderCount = placed.reduce((n, p) => n + p.subOrders.length, 0);
    console.log(
      `seeded ${PAYMENTS} paid orders (${subOrderCount} sub-orders) in ${paySeconds.toFixed(1)} s (${(PAYMENTS / paySeconds).toFixed(1)} orders/s)`,
    );
    const [early] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM escrow_holds WHERE transfer_status = 'on_hold'`,
    );
    console.log(
      `  ${early!.n}/${subOrderCount} holds transferred by the per-payment jobs meanwhile; sending one {dealerId} transfer job per dealer at priority 10`,
    );
    const boss = new PgBoss({
      connectionString: db.config.database.url,
      schema: 'pgboss',
      migrate: false,
      supervise: false,
      schedule: false,
      registerInstance: false,
      max: 1,
    });
    await boss.start();
    for (const d of dealers)
      await boss.send(HOLD_TRANSFER_JOBS.transfers, { payeeId: d.userId }, { priority: 10 });
    await boss.stop({ graceful: false });
    await waitFor(
      'every escrow hold transferred on hold',
      async () => {
        const rows = await sql<{ n: number; failed: number }>(
          `SELECT count(*) FILTER (WHERE transfer_status = 'on_hold')::int AS n,
                count(*) FILTER (WHERE transfer_status = 'failed')::int AS failed FROM escrow_holds`,
        );
        if (rows[0]!.failed > 0) throw new Error(`${rows[0]!.failed} transfers failed`);
        return rows[0]!.n === subOrderCount || `${rows[0]!.n}/${subOrderCount}`;
      },
      900_000,
    );

    // ---- variety: cancellations (refunds) and releases (payouts) --------------------------
    seededAt = performance.now();
    const cancelled = placed.filter((_, i) => i % 20 === 7).map((p) => p.subOrders[0]!);
    const released = placed.filter((_, i) => i % 20 !== 7 && (i % 100) / 100 < RELEASED_SHARE);
    await pool(cancelled.length, BUYERS, async (k) => {
      const s = cancelled[k]!;
      check(
        'dealer cancels',
        await api.POST('/dealer/orders/{subOrderId}/cancel', {
          params: { path: { subOrderId: s.id } },
          body: { reason: 'cannot source the part' },
          headers: dealerOf.get(s.dealerId)!.headers,
        }),
      );
    });
    const releasedSubs = released.flatMap((p) => p.subOrders.map((s) => ({ ...s, p })));
    await pool(releasedSubs.length, BUYERS, async (k) => {
      const s = releasedSubs[k]!;
      const dealer = dealerOf.get(s.dealerId)!;
      const path = { params: { path: { subOrderId: s.id } }, headers: dealer.headers };
      check('accept', await api.POST('/dealer/orders/{subOrderId}/accept', path));
      check('pack', await api.POST('/dealer/orders/{subOrderId}/pack', path));
      check(
        'ship',
        await api.POST('/dealer/orders/{subOrderId}/ship', {
          ...path,
          body: { carrier: 'Delhivery', trackingNumber: `DLV-${k}` },
        }),
      );
      check(
        'confirm delivery',
        await api.POST('/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery', {
          params: { path: { orderId: s.p.orderId, subOrderId: s.id } },
          headers: buyers[s.p.buyer]!.headers,
        }),
      );
    });
    // The return window passes (the one step that fakes time): the server's job completes them.
    await sql(
      `UPDATE sub_orders SET delivered_at = delivered_at - make_interval(hours => $1)
       WHERE status = 'delivered'`,
      [ORDER_AUTO_COMPLETE_HOURS + 1],
    );
    console.log(
      `${cancelled.length} sub-orders cancelled, ${releasedSubs.length} delivered in ${((performance.now() - seededAt) / 1000).toFixed(1)} s; waiting for the server's jobs (cron: every minute)`,
    );
    const releasesFrom = Date.now();
    await waitFor(
      'refunds processed, escrow released and Route holds lifted',
      async () => {
        const [r] = await sql<{
          refunded: number;
          processed: number;
          lifted: number;
          other: number;
        }>(
          `SELECT (SELECT count(*)::int FROM escrow_holds WHERE status = 'refunded') AS refunded,
                  (SELECT count(*)::int FROM refunds WHERE status = 'processed') AS processed,
                  (SELECT count(*)::int FROM escrow_holds WHERE status = 'released' AND transfer_status = 'released') AS lifted,
                  (SELECT count(*)::int FROM refunds WHERE status <> 'processed') AS other`,
        );
        return (
          (r!.refunded === cancelled.length &&
            r!.processed === cancelled.length &&
            r!.lifted === releasedSubs.length &&
            r!.other === 0) ||
          `refunded holds ${r!.refunded}/${cancelled.length}, refunds processed ${r!.processed} (other ${r!.other}), released and lifted ${r!.lifted}/${releasedSubs.length}`
        );
      },
      300_000 + releasedSubs.length * 3_000,
    );
    const [lifts] = await sql<{ first: Date; last: Date }>(
      `SELECT min(updated_at) AS first, max(updated_at) AS last FROM escrow_holds WHERE transfer_status = 'released'`,
    );
    console.log(
      `  Route holds lifted: ${releasedSubs.length} in ${((lifts!.last.getTime() - lifts!.first.getTime()) / 1000).toFixed(0)} s from the first to the last (${((Date.now() - releasesFrom) / 1000).toFixed(0)} s after the deliveries)`,
    );

    // ---- settlement, webhooks delivered and processed ------------------------------------
    const settled = sandbox.control.settle();
    console.log(
      `settle(): merchant ${settled.merchant ? `₹${(settled.merchant.amount / 100).toFixed(2)}` : 'none'}, ${settled.linkedAccounts.length} dealer payouts (₹${(settled.linkedAccounts.reduce((s, x) => s + x.amount, 0) / 100).toFixed(2)})`,
    );
    await sandbox.control.flushWebhooks();
    await waitFor('webhooks delivered and processed', async () => {
      const undelivered = sandbox.control.webhooks().filter((w) => !w.delivered).length;
      const [r] = await sql<{ waiting: number; failed: number; settlements: number }>(
        `SELECT count(*) FILTER (WHERE status IN ('received','deferred'))::int AS waiting,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                (SELECT count(*)::int FROM ledger_entries WHERE id LIKE 'settlement:%' OR id LIKE 'payout:%') AS settlements
         FROM webhook_inbox`,
      );
      if (r!.failed > 0) throw new Error(`${r!.failed} webhooks failed`);
      const expected = (settled.merchant ? 1 : 0) + settled.linkedAccounts.length;
      return (
        (undelivered === 0 && r!.waiting === 0 && r!.settlements === expected) ||
        `undelivered ${undelivered}, inbox waiting ${r!.waiting}, settlement entries ${r!.settlements}/${expected}`
      );
    });
    const [inbox] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_inbox`);
    console.log(`  webhook inbox: ${inbox!.n} events processed`);

    // ---- baseline: the gateway listing alone, through the server's adapter ---------------
    const today = businessDayOf(new Date());
    const window = businessDayWindow(today)!;
    const gateway = new RazorpayGateway({
      ...db.config.razorpay,
      apiUrl: proxy.url,
      keyId: SANDBOX_RAZORPAY.keyId,
      keySecret: SANDBOX_RAZORPAY.keySecret,
    });
    const listing: number[] = [];
    let listedCounts = '';
    for (let k = 0; k < 3; k++) {
      const now = new Date();
      const range = {
        from: Math.floor(window.from.getTime() / 1000),
        to: Math.ceil((now < window.to ? now : window.to).getTime() / 1000) - 1,
      };
      const t0 = performance.now();
      const payments = await gateway.listPayments(range);
      const refunds = await gateway.listRefunds(range);
      const transfers = await gateway.listTransfers(range);
      const settlements = await gateway.listSettlements(range);
      listing.push(performance.now() - t0);
      listedCounts = `${payments.length} payments, ${refunds.length} refunds, ${transfers.length} transfers, ${settlements.length} settlements`;
    }
    const baselineMs = median(listing);
    console.log(
      `baseline: list the day at the gateway (${listedCounts}; ${listing.map((x) => x.toFixed(0)).join(' / ')} ms) median ${baselineMs.toFixed(0)} ms`,
    );

    // ---- the runs -------------------------------------------------------------------------
    const runOnce = async (name: string) => {
      proxy.counts.clear();
      const before = processStats(pid);
      let peakRss = before?.rssMiB ?? NaN;
      const t0 = performance.now();
      const queued = check(
        'queue run',
        await api.POST('/admin/reconciliation/runs', {
          body: { date: today },
          headers: admin.headers,
        }),
      );
      let run: Run = queued;
      const deadline = Date.now() + 1_800_000;
      while (run.status === 'queued' || run.status === 'running') {
        if (Date.now() > deadline) throw new Error(`${name}: still ${run.status} after 30 min`);
        await sleep(100);
        const stats = processStats(pid);
        if (stats) peakRss = Math.max(peakRss, stats.rssMiB);
        run = check(
          'get run',
          await api.GET('/admin/reconciliation/runs/{runId}', {
            params: { path: { runId: queued.id } },
            headers: admin.headers,
          }),
        );
      }
      const observedMs = performance.now() - t0;
      const after = processStats(pid);
      if (run.status !== 'completed') throw new Error(`${name}: ${run.status}: ${run.error}`);
      const wallMs = Date.parse(run.finishedAt!) - Date.parse(run.startedAt!);
      const items = examined(run.summary!);
      const calls = [...proxy.counts.entries()].sort((a, b) => b[1] - a[1]);
      const callCount = calls.reduce((n, [, c]) => n + c, 0);
      console.log(
        `${name}: ${run.status} in ${wallMs} ms (finishedAt − startedAt; POST → seen completed ${observedMs.toFixed(0)} ms), ` +
          `${items} items examined = ${((items / wallMs) * 1000).toFixed(0)} items/s, ` +
          `${(wallMs / baselineMs).toFixed(2)}× the baseline listing, exceptions found ${run.exceptionsFound}`,
      );
      console.log(
        `  server: RSS ${before?.rssMiB.toFixed(0)} MiB before, peak ${peakRss.toFixed(0)} MiB; CPU ${after && before ? (after.cpuS - before.cpuS).toFixed(2) : '?'} s during the run`,
      );
      console.log(
        `  gateway calls: ${callCount} (${calls.map(([k, c]) => `${k} ×${c}`).join(', ')})`,
      );
      printSummary(run.summary!);
      if (run.exceptionsFound !== 0) {
        failed = true;
        const found = check(
          'exceptions',
          await api.GET('/admin/reconciliation/exceptions', {
            params: { query: { date: today, status: 'open', limit: 100 } },
            headers: admin.headers,
          }),
        );
        console.log(`  EXCEPTIONS on a consistent day (first ${found.items.length}):`);
        for (const x of found.items)
          console.log(
            `    ${x.kind} ${x.subject} gateway ${x.gatewayPaise} ledger ${x.ledgerPaise} order ${x.orderId}: ${x.detail}`,
          );
      }
      return { run, wallMs, items, peakRss, callCount };
    };
    const expected = {
      payments: PAYMENTS,
      refunds: cancelled.length,
      transfers: subOrderCount,
      settlements: settled.merchant ? 1 : 0,
      payouts: settled.linkedAccounts.length,
    };
    console.log(
      `expected on the gateway side: ${Object.entries(expected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const first = await runOnce('run');
    const second = await runOnce('rerun');
    for (const [k, v] of Object.entries(expected)) {
      const got = first.run.summary![k as keyof typeof expected].gateway.count;
      if (got !== v) {
        failed = true;
        console.log(`  MISMATCH: ${k}: the run counted ${got} on the gateway side, ${v} seeded`);
      }
    }

    console.log(`RESULT reconciliation.baseline_listing_ms ${baselineMs.toFixed(0)} ms`);
    console.log(`RESULT reconciliation.run_ms ${first.wallMs} ms`);
    console.log(`RESULT reconciliation.items ${first.items} items`);
    console.log(
      `RESULT reconciliation.items_per_s ${((first.items / first.wallMs) * 1000).toFixed(0)} 1/s`,
    );
    console.log(
      `RESULT reconciliation.ratio_to_listing ${(first.wallMs / baselineMs).toFixed(2)} x`,
    );
    console.log(`RESULT reconciliation.exceptions ${first.run.exceptionsFound} exceptions`);
    console.log(`RESULT reconciliation.gateway_calls ${first.callCount} calls`);
    console.log(`RESULT reconciliation.rerun_ms ${second.wallMs} ms`);
    console.log(
      `RESULT reconciliation.rerun_ratio_to_listing ${(second.wallMs / baselineMs).toFixed(2)} x`,
    );
    console.log(`RESULT reconciliation.rerun_exceptions ${second.run.exceptionsFound} exceptions`);
    console.log(
      `RESULT reconciliation.server_rss_peak ${Math.max(first.peakRss, second.peakRss).toFixed(0)} MiB`,
    );
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    if (server) await server.stop();
    await proxy.close();
    await sandbox.stop();
    if (KEEP_DATABASE) console.log(`database kept: ${db.name}`);
    else await db.drop();
  }
  if (failed) process.exitCode = 1;
}

void main();
