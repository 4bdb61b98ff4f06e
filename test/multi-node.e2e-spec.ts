/**
 * Beyond one machine: two API processes (`JOBS_WORKERS=false`) and a worker (`JOBS_WORKERS=true`),
 * each the built server in a process of its own, on one database and one Redis, paid through the
 * Razorpay sandbox (a process-independent stand-in here in the test, so it survives every kill and
 * keeps the truth). Customers buy concurrently, their requests alternating between the two APIs; the
 * sandbox's webhooks go to API #1. Mid-load API #1 is SIGKILLed: requests that reach it fail at the
 * connection and the client sends them to API #2 (same Idempotency-Key), and the webhooks are pointed
 * at API #2 (the sandbox redelivers what failed). While Route transfer jobs run (the sandbox answers
 * slowly) the worker is SIGKILLed and a new one started: the jobs it held are failed by pg-boss once
 * their heartbeat is stale (JOBS_HEARTBEAT_SECONDS) and retried, and the retry finds the transfer an
 * attempt may have made instead of making another. Shown afterwards: the rate limit held across both
 * APIs (Redis), every accepted request has its effect, every job's and webhook's effect happened
 * once, the books balance and `ledger:verify` passes.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Client } from 'openapi-fetch';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { projectRoot } from '../src/common/project-root.js';
import { HOLD_TRANSFER_JOBS } from '../src/payments/hold-transfer-jobs.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { paths } from './support/api-types.js';
import { expectMoneyIdentity } from './support/books.js';
import { isConnectionError, startNode, type Node } from './support/cluster.js';
import { activeListing, ADDRESS } from './support/orders.js';
import { startSandboxApp, type SandboxApp } from './support/payments.js';
import { testRedisUrl } from './support/redis.js';
import { activeRouteDealer, type RouteDealer } from './support/route.js';
import { withClient } from './support/test-database.js';

const CUSTOMERS = 12;
/** API #1 is killed once this many requests of the load have been accepted. */
const KILL_API_AT = 14;
/** The sandbox's answer time during the load: Route transfer jobs run long enough to be killed. */
const SANDBOX_DELAY_MS = 400;
/** Customers' orders bucket on the APIs: `burst` at once, then one each 10 s. */
const ORDERS_LIMIT = { perMinute: 6, burst: 40 };
const HAMMER = 80;

const quiet = JSON.parse(QUIET_ENV.RATE_LIMIT_POLICY) as Record<string, Record<string, unknown>>;
const POLICY = JSON.stringify({ ...quiet, customer: { ...quiet.customer, orders: ORDERS_LIMIT } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set by afterAll: a watcher still waiting (its test failed first) gives up instead of acting. */
let finished = false;

async function until(what: string, done: () => Promise<boolean> | boolean, ms = 45_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (finished) throw new Error(`stopped waiting for ${what}: the suite ended`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The load's client: each request goes to the next API in turn; one that fails at the connection (its
 * API is dead) is sent again to the other. Every request the client sends is safe to repeat (PUTs, an
 * Idempotency-Key, the payment's open and verify), so an answer lost with its API is not a double.
 */
class Spread {
  private next = 0;
  failedOver = 0;
  accepted = 0;
  constructor(private readonly nodes: readonly Node[]) {}

  async call<R extends { response: Response }>(
    what: string,
    send: (api: Client<paths>) => Promise<R>,
  ): Promise<R> {
    const first = this.next++;
    for (let k = 0; k < this.nodes.length; k++) {
      const node = this.nodes[(first + k) % this.nodes.length]!;
      let res: R;
      try {
        res = await send(node.api);
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        this.failedOver++;
        continue;
      }
      if (!res.response.ok)
        throw new Error(`${what} on ${node.name}: ${res.response.status} ${JSON.stringify(res)}`);
      this.accepted++;
      return res;
    }
    throw new Error(`${what}: no API answered`);
  }
}

describe('two APIs and a worker, one of each killed under load', () => {
  let started: SandboxApp | undefined;
  let api1: Node;
  let api2: Node;
  let worker1: Node;
  let admin: SignedIn;
  let dealers: RouteDealer[];
  let listings: string[];
  let nodeEnv: Record<string, string>;

  const t = () => started!.t;
  const sandbox = () => started!.sandbox;
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t().db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const starting: Promise<Node>[] = [];
  const node = (name: string, workers: boolean) => {
    if (finished) throw new Error(`${name} not started: the suite ended`);
    const n = startNode(name, { ...nodeEnv, JOBS_WORKERS: String(workers) });
    starting.push(n);
    return n;
  };

  beforeAll(async () => {
    const redisUrl = testRedisUrl(9);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    // The test's own app (no workers, in this process) makes the fixtures and reads the results.
    started = await startSandboxApp({ webhooks: true });
    admin = await signInAs(t(), 'admin');
    dealers = [];
    for (let i = 0; i < 2; i++) dealers.push(await activeRouteDealer(t(), sandbox(), admin));
    listings = await Promise.all(
      dealers.map((d) => activeListing(t(), d.dealer.userId, { stock: 100 })),
    );
    nodeEnv = {
      ...QUIET_ENV,
      NODE_ENV: 'test',
      DATABASE_URL: t().db.appUrl,
      DATABASE_OWNER_URL: t().db.ownerUrl,
      DATABASE_POOL_MAX: '4',
      JOBS_POOL_MAX: '3',
      REDIS_URL: redisUrl,
      RAZORPAY_API_URL: sandbox().url,
      RATE_LIMIT_POLICY: POLICY,
      JOBS_HEARTBEAT_SECONDS: '10',
      JOBS_SUPERVISE_SECONDS: '2',
      // Rows the killed worker had leased (mid-confirm) are taken again by the retried job.
      WEBHOOK_CONFIRM_LEASE_SECONDS: '8',
    };
    [api1, api2, worker1] = await Promise.all([
      node('api-1', false),
      node('api-2', false),
      node('worker-1', true),
    ]);
    sandbox().control.setWebhookUrl(`${api1.url}/webhooks/razorpay`);
  }, 90_000);

  afterAll(async () => {
    finished = true;
    const nodes = await Promise.allSettled(starting);
    for (const n of nodes) if (n.status === 'fulfilled') await n.value.kill();
    await started?.close();
  });

  it('shares the rate limit across both APIs (Redis): the policy, not twice it', async () => {
    const customer = await signInAs(t(), 'customer');
    const statuses: number[] = [];
    for (let round = 0; round < HAMMER / 8; round++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          [api1, api2][i % 2]!.api.GET('/cart', { headers: customer.headers }),
        ),
      );
      statuses.push(...batch.map((r) => r.response.status));
    }
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    console.log(
      `rate limit: ${allowed} of ${HAMMER} allowed across 2 APIs (policy burst ${ORDERS_LIMIT.burst})`,
    );
    expect(Math.abs(allowed - ORDERS_LIMIT.burst)).toBeLessThanOrEqual(ORDERS_LIMIT.burst * 0.1);
  });

  interface Bought {
    orderId: string;
    dealerId: string;
    gatewayOrderId: string;
    gatewayPaymentId: string;
  }
  const bought: Bought[] = [];
  let spread: Spread;
  let killedJobs: { id: string; name: string }[] = [];

  it('buys under load while API #1 and then the worker are killed', async () => {
    const customers = await Promise.all(
      Array.from({ length: CUSTOMERS }, () => signInAs(t(), 'customer')),
    );
    spread = new Spread([api1, api2]);
    sandbox().control.setFaults({ api: { delayMs: SANDBOX_DELAY_MS } });

    const buy = async (customer: SignedIn, i: number): Promise<Bought> => {
      const listingId = listings[i % listings.length]!;
      const auth = { headers: customer.headers };
      await spread.call('cart', (api) =>
        api.PUT('/cart/items/{listingId}', {
          params: { path: { listingId } },
          body: { quantity: 1 },
          ...auth,
        }),
      );
      const key = randomUUID();
      const order = await spread.call('checkout', (api) =>
        api.POST('/checkout', {
          params: { header: { 'Idempotency-Key': key } },
          body: { shippingAddress: ADDRESS },
          ...auth,
        }),
      );
      const orderId = order.data!.id;
      const path = { params: { path: { orderId } }, ...auth };
      const opened = await spread.call('open payment', (api) =>
        api.POST('/orders/{orderId}/payments', path),
      );
      const paid = sandbox().control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
      if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
      const verified = await spread.call('verify', (api) =>
        api.POST('/orders/{orderId}/payments/verify', {
          ...path,
          body: {
            razorpayOrderId: paid.razorpay_order_id,
            razorpayPaymentId: paid.razorpay_payment_id,
            razorpaySignature: paid.razorpay_signature,
          },
        }),
      );
      expect(verified.data?.status).toBe('captured');
      return {
        orderId,
        dealerId: dealers[i % dealers.length]!.dealer.userId,
        gatewayOrderId: paid.razorpay_order_id,
        gatewayPaymentId: paid.razorpay_payment_id,
      };
    };

    const load = Promise.all(customers.map((c, i) => buy(c, i)));
    const apiKill = (async () => {
      await until('requests accepted before the kill', () => spread.accepted >= KILL_API_AT);
      await api1.kill();
      // Re-pointed a second later, as a load balancer's health check would: webhooks sent meanwhile
      // fail at the connection and the sandbox redelivers them (after 0.25, 1 and 5 s) to API #2.
      await sleep(1000);
      sandbox().control.setWebhookUrl(`${api2.url}/webhooks/razorpay`);
    })();
    const workerKill = (async () => {
      // Taken within the last 200 ms: its gateway call (400 ms) is still under way at the kill.
      await until('a Route transfer job running', async () => {
        const rows = await sql(
          `SELECT 1 FROM pgboss.job WHERE name = $1 AND state = 'active'
             AND started_on > now() - interval '200 milliseconds'`,
          [HOLD_TRANSFER_JOBS.transfers],
        );
        return rows.length > 0;
      });
      await worker1.kill();
      // The dead worker's claims: every job it had taken and not settled.
      killedJobs = await sql(`SELECT id::text AS id, name FROM pgboss.job WHERE state = 'active'`);
      await node('worker-2', true);
    })();
    // Should the load fail, the watchers give up at afterAll (`finished`).
    const watchers = Promise.all([apiKill, workerKill]);
    watchers.catch(() => undefined);
    bought.push(...(await load));
    await watchers;
    expect(api1.alive()).toBe(false);
    expect(spread.failedOver).toBeGreaterThan(0);
    expect(killedJobs.map((j) => j.name)).toContain(HOLD_TRANSFER_JOBS.transfers);
  }, 90_000);

  it('lost no accepted request: every order, payment and capture is in the database', async () => {
    expect(bought).toHaveLength(CUSTOMERS);
    const rows = await sql<{ id: string; payments: string }>(
      `SELECT o.id::text AS id,
              (SELECT count(*) FROM payments p WHERE p.order_id = o.id AND p.status = 'captured')::text AS payments
       FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [bought.map((b) => b.orderId)],
    );
    expect(rows).toHaveLength(CUSTOMERS);
    for (const r of rows) expect(r.payments).toBe('1');
    const captured = await sql<{ gateway_payment_id: string }>(
      `SELECT gateway_payment_id FROM payments WHERE status = 'captured' ORDER BY 1`,
    );
    expect(captured.map((c) => c.gateway_payment_id)).toEqual(
      bought.map((b) => b.gatewayPaymentId).sort(),
    );
    console.log(
      `load: ${CUSTOMERS} orders paid, ${spread.accepted} requests accepted, ${spread.failedOver} failed at the dead API #1 and went to API #2`,
    );
  });

  it('retried the killed jobs once the worker died; each hold transferred exactly once', async () => {
    sandbox().control.setFaults({ api: { delayMs: 0 } });
    const killedIds = killedJobs.map((j) => j.id);
    await until(
      'the queue to drain and the killed jobs to complete',
      async () => {
        const [left] = await sql<{ open: string; killed: string }>(
          `SELECT count(*) FILTER (WHERE name = $1 AND state IN ('created','retry','active'))::text AS open,
                  count(*) FILTER (WHERE id = ANY($2::uuid[]) AND state = 'completed')::text AS killed
           FROM pgboss.job`,
          [HOLD_TRANSFER_JOBS.transfers, killedIds],
        );
        return left!.open === '0' && Number(left!.killed) === killedIds.length;
      },
      60_000,
    );
    const retried = await sql<{ retry_count: number }>(
      `SELECT retry_count FROM pgboss.job WHERE id = ANY($1::uuid[])`,
      [killedIds],
    );
    for (const r of retried) expect(r.retry_count).toBeGreaterThanOrEqual(1);

    const holds = await sql<{
      id: string;
      order_id: string;
      transfer_id: string | null;
      transfer_status: string;
    }>(
      `SELECT id::text AS id, order_id::text AS order_id, transfer_id, transfer_status
       FROM escrow_holds WHERE order_id = ANY($1::uuid[])`,
      [bought.map((b) => b.orderId)],
    );
    expect(holds).toHaveLength(CUSTOMERS);
    const auth = `Basic ${Buffer.from(`${SANDBOX_RAZORPAY.keyId}:${SANDBOX_RAZORPAY.keySecret}`).toString('base64')}`;
    for (const b of bought) {
      const hold = holds.find((h) => h.order_id === b.orderId)!;
      expect(hold.transfer_status).toBe('on_hold');
      const res = await fetch(`${sandbox().url}/v1/payments/${b.gatewayPaymentId}/transfers`, {
        headers: { authorization: auth },
      });
      const { items } = (await res.json()) as {
        items: { id: string; notes: { holdId?: string } }[];
      };
      const ofHold = items.filter((tr) => tr.notes.holdId === hold.id);
      expect(ofHold.map((tr) => tr.id)).toEqual([hold.transfer_id]);
      expect(items).toHaveLength(1);
    }
    const kinds = new Map<string, number>();
    for (const j of killedJobs) kinds.set(j.name, (kinds.get(j.name) ?? 0) + 1);
    const held = [...kinds].map(([name, n]) => `${n} ${name}`).join(', ');
    console.log(
      `jobs: the killed worker held ${killedJobs.length} (${held}), each retried by pg-boss and completed; ${holds.length} holds, one transfer each at the gateway`,
    );
  }, 70_000);

  it('applied every webhook once, those sent to the dead API redelivered to the other', async () => {
    await sandbox().control.flushWebhooks();
    const sent = sandbox().control.webhooks();
    expect(sent.filter((w) => !w.delivered).map((w) => w.eventId)).toEqual([]);
    await until('every webhook processed', async () => {
      const [left] = await sql<{ n: string }>(
        `SELECT count(*)::text AS n FROM webhook_inbox WHERE status <> 'processed'`,
      );
      return left!.n === '0';
    });
    const inbox = await sql<{ event_id: string; processed: string }>(
      `SELECT i.event_id,
              (SELECT count(*) FROM webhook_inbox_history h
               WHERE h.event_id = i.event_id AND h.to_status = 'processed')::text AS processed
       FROM webhook_inbox i`,
    );
    expect(inbox.map((r) => r.event_id).sort()).toEqual(sent.map((w) => w.eventId).sort());
    for (const r of inbox) expect(r.processed).toBe('1');
    const redelivered = sent.filter((w) => w.attempts.length > 1).length;
    console.log(`webhooks: ${sent.length} sent, each applied once (${redelivered} redelivered)`);
  }, 45_000);

  it('keeps the books: each order balanced, the trial balance zero, ledger:verify clean', async () => {
    for (const b of bought) await expectMoneyIdentity(t(), { id: b.orderId }, b.dealerId);
    const trial = await t().api.GET('/ledger/trial-balance', { headers: admin.headers });
    expect(trial.data?.balanced).toBe(true);
    const verify = spawnSync(
      process.execPath,
      [join(projectRoot(), 'dist', 'src', 'cli.js'), 'ledger:verify'],
      {
        env: {
          ...process.env,
          DATABASE_URL: t().db.appUrl,
          DATABASE_OWNER_URL: t().db.ownerUrl,
          LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect({ status: verify.status, stdout: verify.stdout }).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^ledger intact: /) as unknown,
    });
  }, 40_000);
});
