/**
 * bench:ledger's escrow-release phases: a real money command, `ReleaseEscrowCommand` through the
 * CommandBus (lock the order and sub-order, then the hold; the ledger recipe `escrowRelease` with its
 * deductions — commission, GST on commission, TCS, TDS —, the gapless commission invoice, the Route
 * hold-lift job), with group commit on and off, on the bench's database.
 *
 * Seeding, through the product's paths on the application booted in this process (HTTP on a loopback
 * port, Razorpay sandbox in process, no job workers): DEALERS dealers signed up pending, approved by
 * an admin, their settlement details submitted and approved, Route onboarding (the job's handler
 * called directly) and activation at the sandbox (webhooks delivered and processed); BUYERS buyers;
 * `releases / DEALERS` B2C orders, each one listing of every dealer (one sub-order, i.e. one escrow
 * hold, per dealer): cart → checkout → open payment → pay at the sandbox → verify (captured, held).
 * One shortcut, as the e2e tests take it: the sub-orders are set `completed` in SQL (delivery and
 * the return window passing). Route transfers are not made (no workers): a release only queues the
 * lift job.
 *
 * Timed, each part on a quarter of the orders: the release's steps (`releaseIn`) group-committed
 * through `TransactionRunner.grouped`; the command as production runs it (a transaction of its own:
 * releases are not grouped, see docs/performance.md "Group commit"); both by `clients` loops taking
 * the next hold of a list in which one order's sub-orders lie a quarter of the list apart (so two
 * loops seldom wait on one order's lock), each part's first min(2 × clients, a fifth) releases a
 * warm-up, not measured; then the release job's own run (`releaseDue`) on the last half. Throughput is
 * releases (and ledger entries written) per second of wall time until the list is done; latency is
 * one `execute`'s. Exactness afterwards: every release
 * answered true, every hold released once (released, one `release:` and one `deductions:` entry, one
 * commission invoice and one hold-lift job each), the release job finds nothing left due, the trial
 * balance balances (posted and pending).
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { CommandBus } from '@nestjs/cqrs';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import createClient from 'openapi-fetch';
import { startRazorpaySandbox } from '../../scripts/razorpay-sandbox/sandbox.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../src/bootstrap.js';
import { loadConfig, SANDBOX_RAZORPAY } from '../../src/config/app-config.js';
import { ReleaseEscrowCommand } from '../../src/escrow/commands/release-escrow.command.js';
import { DUE_RELEASE, releaseIn } from '../../src/escrow/commands/release-escrow.steps.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { JobQueue } from '../../src/jobs/job-queue.service.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
import { CommissionService } from '../../src/payouts/commission/commission.service.js';
import { EscrowReleaseService } from '../../src/escrow/escrow-release.service.js';
import { WebhookProcessor } from '../../src/gateway/webhooks/webhook-jobs.js';
import { LedgerReadService } from '../../src/ledger/read/ledger-read.service.js';
import { buildTrialBalance } from '../../src/ledger/read/trial-balance.js';
import { MetricsService } from '../../src/observability/metrics.service.js';
import { HOLD_TRANSFER_JOBS } from '../../src/payments/hold-transfer-jobs.js';
import { RouteAccountsService } from '../../src/payouts/route/route-accounts.service.js';
import { createAccount, login, QUIET_ENV, signInAs, type SignedIn } from '../support/accounts.js';
import type { paths } from '../support/api-types.js';
import { activeListing, checkout, putInCart } from '../support/orders.js';
import type { TestApp } from '../support/test-app.js';
import { withClient } from '../support/test-database.js';
import type { BenchDatabase } from './bench-database.js';

const DEALERS = 4;
const BUYERS = 8;
const LISTINGS_PER_DEALER = 8;
/** ₹1,180 a line (vector 02's sale), 18 % GST: every release has commission, GST on it, TCS, TDS. */
const PRICE_PAISE = 118_000;

export interface ReleaseRun {
  name: string;
  releases: number;
  seconds: number;
  releasesPerSecond: number;
  entries: number;
  entriesPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Mean commands per group-commit transaction (NaN: grouping off). */
  meanGroup: number;
}

export interface ReleasePhasesResult {
  /** By `clients` loops: the release's steps group-committed, and the command (one transaction each). */
  grouped: ReleaseRun;
  ungrouped: ReleaseRun;
  /** By the release job's run (`releaseDue`), the production path. */
  job: ReleaseRun;
  seedSeconds: number;
  exact: boolean;
  problems: string[];
}

interface Due {
  sub_order_id: string;
  order_id: string;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);

/** Runs `task(i)` for i in [0, count) with `width` loops in parallel. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      for (let i = next++; i < count; i = next++) await task(i);
    }),
  );
}

function ok<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (!r.response.ok || r.data === undefined)
    throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

/** The application on the bench database, listening on a loopback port (as test/support/test-app.ts). */
async function startApp(db: BenchDatabase, env: Record<string, string>): Promise<ReleasingApp> {
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    JOBS_WORKERS: 'false',
    JOBS_POOL_MAX: '2',
    // A few buyers place hundreds of orders each: velocity would hold them for review.
    FRAUD_CHECKS: 'off',
    ...QUIET_ENV,
    ...env,
    DATABASE_URL: db.config.database.url,
    DATABASE_OWNER_URL: db.config.database.ownerUrl,
  });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, quiet),
    createFastifyAdapter(config, { forceCloseConnections: true }),
    NEST_APP_OPTIONS,
  );
  try {
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await app.close();
    throw err;
  }
  const baseUrl = await app.getUrl();
  const t: TestApp = {
    app,
    config,
    db: {
      name: db.name,
      appUrl: config.database.url,
      ownerUrl: config.database.ownerUrl,
      drop: () => Promise.resolve(),
    },
    baseUrl,
    api: createClient<paths>({ baseUrl }),
    logs: [],
    close: () => app.close(),
  };
  const transactions = app.get(TransactionRunner);
  const commands = app.get(CommandBus);
  const deps = {
    ledger: app.get(LedgerService),
    commission: app.get(CommissionService),
    jobs: app.get(JobQueue),
  };
  return {
    t,
    metrics: app.get(MetricsService),
    release: (due, grouped) =>
      grouped
        ? transactions.grouped((tx) => releaseIn(deps, tx, due, DUE_RELEASE))
        : commands.execute(new ReleaseEscrowCommand(due, DUE_RELEASE)),
  };
}

/**
 * A dealer signed up pending, approved by `admin`, settlement details submitted and approved, Route
 * onboarding run (its job's handler) and the linked account activated at the sandbox.
 */
async function routeDealer(
  t: TestApp,
  admin: SignedIn,
  activate: (accountId: string) => Promise<void>,
): Promise<string> {
  const { userId, email, gstin } = await createAccount(t, 'dealer', { status: 'pending' });
  ok(
    'approve dealer',
    await t.api.POST('/admin/users/{id}/approve', {
      params: { path: { id: userId } },
      body: { reason: 'KYC documents checked (bench)' },
      headers: admin.headers,
    }),
  );
  const dealer = await login(t, email);
  if (dealer.status !== 200) throw new Error(`dealer sign-in: ${dealer.status}`);
  ok(
    'settlement details',
    await t.api.PUT('/payees/me/settlement-details', {
      body: {
        pan: gstin!.slice(2, 12),
        gstin: gstin!,
        businessType: 'proprietorship',
        beneficiaryName: 'Bench Traders',
        ifsc: 'HDFC0000317',
        accountNumber: '50100123456789',
      },
      headers: dealer.headers,
    }),
  );
  ok(
    'approve settlement details',
    await t.api.POST('/admin/payees/{id}/settlement-details/approve', {
      params: { path: { id: userId } },
      body: { reason: 'bank letter checked (bench)' },
      headers: admin.headers,
    }),
  );
  const onboarded = await t.app.get(RouteAccountsService).onboard(userId);
  if (onboarded !== 'product_configured') throw new Error(`Route onboarding: ${onboarded}`);
  const [row] = await sql<{ gateway_account_id: string }>(
    t,
    `SELECT gateway_account_id FROM payee_route_accounts WHERE payee_id = $1`,
    [userId],
  );
  await activate(row!.gateway_account_id);
  const [after] = await sql<{ status: string }>(
    t,
    `SELECT status FROM payee_route_accounts WHERE payee_id = $1`,
    [userId],
  );
  if (after?.status !== 'activated') throw new Error(`Route account ${after?.status}`);
  return userId;
}

const sql = <T extends Record<string, unknown>>(t: TestApp, text: string, params: unknown[] = []) =>
  withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

const countOf = async (t: TestApp, text: string, params: unknown[] = []) =>
  (await sql<{ n: number }>(t, text, params))[0]?.n ?? -1;

/** Sum and count of `db_group_commit_commands` (commands per group-commit transaction). */
async function groupSizes(metrics: MetricsService): Promise<{ sum: number; count: number }> {
  const metric = metrics.registry.getSingleMetric('db_group_commit_commands');
  const values = metric === undefined ? [] : (await metric.get()).values;
  const of = (name: string) =>
    values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;
  return { sum: of('db_group_commit_commands_sum'), count: of('db_group_commit_commands_count') };
}

/** The value of a counter of the app's registry (0 when it does not exist). */
async function counter(metrics: MetricsService, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = metric === undefined ? [] : (await metric.get()).values;
  return values.reduce((n, v) => n + v.value, 0);
}

/** The app whose releases are measured. */
interface ReleasingApp {
  t: TestApp;
  metrics: MetricsService;
  /**
   * One release: the command (`ReleaseEscrowCommand`, a transaction of its own, as production runs
   * it) or, `grouped`, the same steps (`releaseIn`) through `TransactionRunner.grouped`.
   */
  release(due: Due, grouped: boolean): Promise<boolean>;
}

interface Driven {
  released: number;
  /** Per release (empty: the driver does not see single releases). */
  latencies: number[];
  errors: number;
  firstError?: unknown;
}

/**
 * Measures `drive` (releases by `app`): wall time, releases and ledger entries per second, latency,
 * commands per group-commit transaction, deadlocks and the commands rerun alone after them.
 */
async function measured(
  name: string,
  { t, metrics }: ReleasingApp,
  problems: string[],
  drive: () => Promise<Driven>,
): Promise<ReleaseRun> {
  const countEntries = () => countOf(t, `SELECT count(*)::int AS n FROM ledger_entries`);
  const deadlocks = () =>
    countOf(
      t,
      `SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`,
    );
  const entries0 = await countEntries();
  const groups0 = await groupSizes(metrics);
  const alone0 = await counter(metrics, 'db_group_commit_alone_total');
  const retries0 = await counter(metrics, 'db_transaction_retries_total');
  const deadlocks0 = await deadlocks();
  const start = performance.now();
  const driven = await drive();
  const seconds = (performance.now() - start) / 1000;
  const entries = (await countEntries()) - entries0;
  const groups = await groupSizes(metrics);
  const alone = (await counter(metrics, 'db_group_commit_alone_total')) - alone0;
  const retries = (await counter(metrics, 'db_transaction_retries_total')) - retries0;
  const deadlocked = (await deadlocks()) - deadlocks0;
  const sorted = Float64Array.from(driven.latencies).sort();
  const run: ReleaseRun = {
    name,
    releases: driven.released,
    seconds,
    releasesPerSecond: driven.released / seconds,
    entries,
    entriesPerSecond: entries / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: driven.errors,
    meanGroup: (groups.sum - groups0.sum) / (groups.count - groups0.count),
  };
  console.log(
    `${name.padEnd(24)} ${run.releasesPerSecond.toFixed(0).padStart(5)} releases/s ` +
      `(${run.releases} in ${seconds.toFixed(1)} s)  ${run.entriesPerSecond.toFixed(0)} entries/s  ` +
      (sorted.length === 0 ? '' : `p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  `) +
      `commands per transaction ${Number.isNaN(run.meanGroup) ? '1 (grouping off)' : run.meanGroup.toFixed(2)}  ` +
      `errors ${run.errors}`,
  );
  console.log(
    `  deadlocks ${deadlocked}, commands rerun alone after a deadlock in their batch ${alone}, ` +
      `transaction retries ${retries}`,
  );
  if (driven.firstError !== undefined) {
    console.error(`${name}: first error:`, driven.firstError);
    problems.push(`${name}: ${driven.errors} errors`);
  }
  return run;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/**
 * `holds` released by `clients` loops each taking the next one (`app.release`, grouped or not), after
 * a warm-up of the first min(2 × clients, a fifth) of them, not measured.
 */
async function releaseByLoops(
  name: string,
  app: ReleasingApp,
  holds: Due[],
  grouped: boolean,
  clients: number,
  problems: string[],
): Promise<ReleaseRun> {
  const release = async (due: Due) => {
    if (!(await app.release(due, grouped)))
      throw new Error(`sub-order ${due.sub_order_id}: not released`);
  };
  const warm = Math.min(2 * clients, Math.floor(holds.length / 5));
  await inParallel(warm, clients, (i) => release(holds[i]!));
  const timed = holds.slice(warm);
  return measured(name, app, problems, async () => {
    const driven: Driven = { released: 0, latencies: [], errors: 0 };
    await inParallel(timed.length, clients, async (i) => {
      const t0 = performance.now();
      try {
        await release(timed[i]!);
        driven.released += 1;
        driven.latencies.push(performance.now() - t0);
      } catch (err) {
        driven.errors += 1;
        driven.firstError ??= err;
      }
    });
    return driven;
  });
}

/**
 * `subOrders` completed now (SQL, as at seeding), then released by the release job's own run,
 * `EscrowReleaseService.releaseDue` (pages of 100, released one after another).
 */
async function releaseByJob(
  name: string,
  app: ReleasingApp,
  subOrders: string[],
  problems: string[],
): Promise<ReleaseRun> {
  await complete(app.t, subOrders);
  return measured(name, app, problems, async () => {
    try {
      const released = await app.t.app.get(EscrowReleaseService).releaseDue();
      if (released !== subOrders.length)
        return {
          released,
          latencies: [],
          errors: 1,
          firstError: new Error(
            `released ${released}, expected the ${subOrders.length} of its part (more: holds an earlier phase failed to release)`,
          ),
        };
      return { released, latencies: [], errors: 0 };
    } catch (err) {
      return { released: 0, latencies: [], errors: 1, firstError: err };
    }
  });
}

/** Sub-orders delivered and their return window passed with no return or dispute (time passing: SQL). */
const complete = (t: TestApp, subOrders: string[]) =>
  sql(
    t,
    `UPDATE sub_orders SET status = 'completed', carrier = 'Delhivery', tracking_number = 'DLV-BENCH'
     WHERE id = ANY($1::uuid[])`,
    [subOrders],
  );

/** Seeds `releases` held escrow holds of completed sub-orders, then releases them in two phases. */
export async function releasePhases(
  db: BenchDatabase,
  releases: number,
  clients: number,
): Promise<ReleasePhasesResult> {
  const problems: string[] = [];
  const sandbox = await startRazorpaySandbox({ ...SANDBOX_RAZORPAY });
  const env = {
    RAZORPAY_API_URL: sandbox.url,
    DATABASE_POOL_MAX: String(clients + 4),
    DATABASE_POOL_WAIT_MS: '60000',
  };
  const apps: TestApp[] = [];
  try {
    const app = await startApp(db, env);
    const { t } = app;
    apps.push(t);
    sandbox.control.setWebhookUrl(`${t.baseUrl}/webhooks/razorpay`);

    // ---- seeding -----------------------------------------------------------------------------
    const seedStart = performance.now();
    const admin = await signInAs(t, 'admin');
    const dealers: string[] = [];
    for (let d = 0; d < DEALERS; d += 1)
      dealers.push(
        await routeDealer(t, admin, async (accountId) => {
          sandbox.control.activateAccount(accountId);
          await sandbox.control.flushWebhooks();
          await t.app.get(WebhookProcessor).drain();
        }),
      );
    const buyers = await Promise.all(Array.from({ length: BUYERS }, () => signInAs(t, 'customer')));
    const listings: string[][] = [];
    for (const dealerId of dealers) {
      const own: string[] = [];
      for (let k = 0; k < LISTINGS_PER_DEALER; k += 1)
        own.push(
          await activeListing(t, dealerId, { b2cPricePaise: PRICE_PAISE, stock: 1_000_000 }),
        );
      listings.push(own);
    }
    const orders = Math.ceil(releases / DEALERS / 4) * 4;
    const placed: Due[][] = new Array<Due[]>(orders);
    await inParallel(orders, BUYERS, async (i) => {
      const buyer = buyers[i % BUYERS]!;
      for (const own of listings) {
        const put = await putInCart(t, buyer, own[i % LISTINGS_PER_DEALER]!, 1);
        if (put.status !== 200) throw new Error(`put in cart: ${put.status}`);
      }
      const order = (
        await checkout(t, buyer, { key: randomUUID() }).then((r) => {
          if (r.status !== 201) throw new Error(`checkout: ${r.status} ${JSON.stringify(r.error)}`);
          return r;
        })
      ).order!;
      const opened = ok(
        'open payment',
        await t.api.POST('/orders/{orderId}/payments', {
          params: { path: { orderId: order.id } },
          headers: buyer.headers,
        }),
      );
      const paid = sandbox.control.pay(opened.gatewayOrderId!, { outcome: 'captured' });
      if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
      const verified = ok(
        'verify payment',
        await t.api.POST('/orders/{orderId}/payments/verify', {
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
      if (order.subOrders.length !== DEALERS)
        throw new Error(`order of ${order.subOrders.length} sub-orders, expected ${DEALERS}`);
      placed[i] = order.subOrders.map((s) => ({ sub_order_id: s.id, order_id: order.id }));
    });
    const subOrders = placed.flat().map((d) => d.sub_order_id);
    const held = await countOf(
      t,
      `SELECT count(*)::int AS n FROM escrow_holds WHERE status = 'held' AND sub_order_id = ANY($1::uuid[])`,
      [subOrders],
    );
    if (held !== subOrders.length)
      throw new Error(`seeding: ${held} holds held for ${subOrders.length} sub-orders`);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(
      `seeded ${orders} paid orders (${subOrders.length} sub-orders, escrow held) from ${DEALERS} ` +
        `Route dealers by ${BUYERS} buyers in ${seedSeconds.toFixed(1)} s`,
    );

    // ---- four quarters of the orders, each phase's holds completed just before it: an order's
    // k-th sub-orders, then its (k+1)-th, …
    const quarter = (q: number) => {
      const own = placed.slice((q * orders) / 4, ((q + 1) * orders) / 4);
      return Array.from({ length: DEALERS }, (_, k) => own.map((subs) => subs[k]!)).flat();
    };
    const ids = (holds: Due[]) => holds.map((h) => h.sub_order_id);
    const loops = async (name: string, holds: Due[], grouped: boolean) => {
      await complete(t, ids(holds));
      return releaseByLoops(name, app, holds, grouped, clients, problems);
    };
    const groupedRun = await loops('release, grouped', quarter(0), true);
    const ungroupedRun = await loops('release, ungrouped', quarter(1), false);
    const job = await releaseByJob(
      'release job',
      app,
      [...ids(quarter(2)), ...ids(quarter(3))],
      problems,
    );

    // ---- exactness ------------------------------------------------------------------------------
    const holdIds = (
      await sql<{ id: string }>(
        t,
        `SELECT id::text AS id FROM escrow_holds WHERE sub_order_id = ANY($1::uuid[])`,
        [subOrders],
      )
    ).map((r) => r.id);
    const inSubOrders: [string, string][] = [
      [
        'holds released',
        `SELECT count(*)::int AS n FROM escrow_holds WHERE status = 'released' AND sub_order_id = ANY($1::uuid[])`,
      ],
      [
        'release entries',
        `SELECT count(*)::int AS n FROM ledger_entries WHERE id = ANY(SELECT 'release:' || s FROM unnest($1::text[]) s)`,
      ],
      [
        'deductions entries',
        `SELECT count(*)::int AS n FROM ledger_entries WHERE id = ANY(SELECT 'deductions:' || s FROM unnest($1::text[]) s)`,
      ],
      [
        'commission invoices',
        `SELECT count(*)::int AS n FROM commission_invoices WHERE sub_order_id = ANY($1::uuid[])`,
      ],
      [
        'sub-orders invoiced',
        `SELECT count(DISTINCT sub_order_id)::int AS n FROM commission_invoices WHERE sub_order_id = ANY($1::uuid[])`,
      ],
    ];
    for (const [what, query] of inSubOrders) {
      const n = await countOf(t, query, [subOrders]);
      if (n !== subOrders.length) problems.push(`${what}: ${n}, expected ${subOrders.length}`);
    }
    const lifts = await countOf(
      t,
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'holdId' = ANY($2::text[])`,
      [HOLD_TRANSFER_JOBS.release, holdIds],
    );
    if (lifts !== holdIds.length)
      problems.push(`hold-lift jobs: ${lifts}, expected ${holdIds.length}`);
    const again = await t.app.get(EscrowReleaseService).releaseDue();
    if (again !== 0) problems.push(`the release job released ${again} more`);
    const { accounts } = await t.app.get(LedgerReadService).accountsAt();
    const trial = buildTrialBalance(accounts);
    if (!trial.balanced || !trial.pending.balanced)
      problems.push(`trial balance: balanced ${trial.balanced}, pending ${trial.pending.balanced}`);
    console.log(
      problems.length === 0
        ? `releases: ${subOrders.length} holds, each released once (release and deductions entries, ` +
            `commission invoice, hold-lift job), none left due, trial balance balanced: exact`
        : `releases: MISMATCH: ${problems.join('; ')}`,
    );
    return {
      grouped: groupedRun,
      ungrouped: ungroupedRun,
      job,
      seedSeconds,
      exact: problems.length === 0,
      problems,
    };
  } finally {
    for (const a of apps.reverse()) await a.close();
    await sandbox.stop();
  }
}
