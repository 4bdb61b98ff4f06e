import { createHash, randomUUID } from 'node:crypto';
import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { Authenticated, Public } from '../src/access/policy.decorator.js';
import type { Role } from '../src/common/roles.js';
import { MetricsService } from '../src/observability/metrics.service.js';
import { MemoryRateLimitStore } from '../src/rate-limit/memory.store.js';
import { RateLimitCategory } from '../src/rate-limit/rate-limit.decorator.js';
import {
  DEFAULT_RATE_LIMIT_POLICY,
  type RateLimitCategory as RateLimitCategoryName,
} from '../src/config/rate-limit-policy.js';
import { RateLimitService } from '../src/rate-limit/rate-limit.service.js';
import type { RateLimitStore } from '../src/rate-limit/rate-limit.store.js';
import { RedisRateLimitStore } from '../src/rate-limit/redis.store.js';
import {
  createAccount,
  login,
  signInAs,
  TEST_PASSWORD,
  type SignedIn,
} from './support/accounts.js';
import { withClient } from './support/test-database.js';
import { testRedisUrl } from './support/redis.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Routes with each kind of policy and category; mounted only in this test. */
@ApiExcludeController()
@Controller('rl-probe')
class RateLimitProbeController {
  @Get('login')
  @Public()
  @RateLimitCategory('auth')
  login(): { ok: true } {
    return { ok: true };
  }

  @Get('open')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('orders')
  @Authenticated()
  @RateLimitCategory('orders')
  orders(): { ok: true } {
    return { ok: true };
  }
}

/** The policy under test: the platform's anonymous `auth` limit (10/min, burst 5), tighter elsewhere. */
const POLICY = JSON.stringify({
  anonymous: { auth: { perMinute: 10, burst: 5 } },
  customer: { orders: { perMinute: 6, burst: 3 } },
  perIp: { perMinute: 60, burst: 12 },
});

interface Problem {
  code: string;
  status: number;
  retryAfterSeconds?: number;
  retryAt?: string;
  category?: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** GET as a client at `ip` (the app trusts X-Forwarded-For in these tests, so each test is its own client). */
function get(
  t: TestApp,
  path: string,
  ip: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { headers: { 'x-forwarded-for': ip, ...headers } });
}

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return Promise.all(responses.map(async (r) => (await r).status));
}

function counterValue(t: TestApp, name: string): Promise<number> {
  const metric = t.app.get(MetricsService).registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return Promise.resolve(0);
  return metric.get().then((m) => m.values.reduce((sum, v) => sum + v.value, 0));
}

async function storeErrors(t: TestApp): Promise<Record<string, number>> {
  const metric = t.app
    .get(MetricsService)
    .registry.getSingleMetric('rate_limit_store_errors_total');
  const values = (await (metric as Counter).get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.operation), v.value]));
}

async function eventually<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('rate limits and abuse blocks', () => {
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = testRedisUrl(7);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
  });

  describe('token buckets (Redis)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        controllers: [RateLimitProbeController],
        env: { REDIS_URL: redisUrl, RATE_LIMIT_POLICY: POLICY, HTTP_TRUST_PROXY: 'true' },
      });
      expect(t.app.get(RateLimitService).store.kind).toBe('redis');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('lets an anonymous client send a burst on an auth route, then answers 429 with Retry-After', async () => {
      const ip = '203.0.113.1';
      const ok: Response[] = [];
      for (let i = 0; i < 5; i++) ok.push(await get(t, '/rl-probe/login', ip));
      expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(ok.map((r) => r.headers.get('ratelimit-limit'))).toEqual(['5', '5', '5', '5', '5']);
      expect(ok.map((r) => r.headers.get('ratelimit-remaining'))).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
      ]);

      const refused = await get(t, '/rl-probe/login', ip);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(6); // one token every 6 s at 10/min
      const body = (await refused.json()) as Problem;
      expect(body).toMatchObject({
        status: 429,
        code: 'rate-limit/exceeded',
        category: 'auth',
        retryAfterSeconds: retryAfter,
      });
      expect(Date.parse(body.retryAt!)).toBeGreaterThan(Date.now());

      // Another category of the same client has its own bucket; another client is unaffected.
      expect((await get(t, '/rl-probe/open', ip)).status).toBe(200);
      expect((await get(t, '/rl-probe/login', '203.0.113.2')).status).toBe(200);
      expect(await counterValue(t, 'rate_limit_rejections_total')).toBeGreaterThanOrEqual(1);
    });

    it('never limits probes', async () => {
      const codes = await statuses(
        Array.from({ length: 30 }, () => get(t, '/health/live', '203.0.113.3')),
      );
      expect(codes.every((c) => c === 200)).toBe(true);
      const res = await get(t, '/health/live', '203.0.113.3');
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    });

    it('keys signed-in callers by user: two customers on one IP each get their own bucket', async () => {
      const ip = '203.0.113.4';
      const a = await signInAs(t, 'customer');
      const b = await signInAs(t, 'customer');
      const ordersAs = (h: Record<string, string>) => get(t, '/rl-probe/orders', ip, h);
      expect(
        await statuses([ordersAs(a.headers), ordersAs(a.headers), ordersAs(a.headers)]),
      ).toEqual([200, 200, 200]);
      expect((await ordersAs(a.headers)).status).toBe(429);
      expect(
        await statuses([ordersAs(b.headers), ordersAs(b.headers), ordersAs(b.headers)]),
      ).toEqual([200, 200, 200]);
      expect((await ordersAs(b.headers)).status).toBe(429);
      // Customer A from another IP is still over its own limit: the key is the user, not the address.
      expect((await get(t, '/rl-probe/orders', '203.0.113.5', a.headers)).status).toBe(429);
    });

    it('caps every IP at perIp, whoever is signed in', async () => {
      const ip = '203.0.113.6';
      const a = await signInAs(t, 'customer');
      const b = await signInAs(t, 'customer');
      // Customers' default bucket is 30 deep; the IP's ceiling (12) decides.
      const codes: number[] = [];
      for (let i = 0; i < 8; i++)
        codes.push((await get(t, '/rl-probe/open', ip, a.headers)).status);
      for (let i = 0; i < 6; i++)
        codes.push((await get(t, '/rl-probe/open', ip, b.headers)).status);
      expect(codes.filter((c) => c === 200)).toHaveLength(12);
      expect(codes.slice(12)).toEqual([429, 429]);
      const refused = await get(t, '/rl-probe/open', ip, b.headers);
      expect(refused.headers.get('ratelimit-limit')).toBe('12');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    });
  });

  /**
   * The platform's own table (README), no override: for each row, one real route of the category, as the
   * right role, until refused. Every client (and every sign-in) comes from an address of its own, so the
   * per-IP ceiling and the anonymous sign-in bucket never interfere.
   */
  describe("the platform's policy on real routes", () => {
    let t: TestApp;
    let nextIp = 0;
    const freshIp = (): string => `100.64.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

    beforeAll(async () => {
      t = await startTestApp({
        env: {
          REDIS_URL: redisUrl,
          HTTP_TRUST_PROXY: 'true',
          ARGON2_MEMORY_KIB: '8192',
          ARGON2_TIME_COST: '1',
        },
      });
      expect(t.config.rateLimit.policy).toBe(DEFAULT_RATE_LIMIT_POLICY);
    });
    afterAll(async () => {
      await t?.close();
    });

    /** A new account of `role`, signed in from an address of its own. */
    async function signedIn(role: Role): Promise<SignedIn> {
      const { userId, email } = await createAccount(t, role);
      const s = await login(t, email, TEST_PASSWORD, { 'x-forwarded-for': freshIp() });
      expect(s.status).toBe(200);
      return { ...s, userId };
    }

    /**
     * Sends `limit.burst + 3` requests at once (`send(i)`), then one at a time until one is refused, and checks that `limit.burst` of them passed
     * (plus what refilled at `limit.perMinute` while they were answered) and that the rest were refused:
     * 429 problems of `category` with a Retry-After of at most one refill interval. Returns the statuses
     * of the requests that passed and the Retry-After.
     */
    async function exhaust(
      send: (i: number) => Promise<Response>,
      category: RateLimitCategoryName,
      limit: { perMinute: number; burst: number },
    ): Promise<{ allowed: number[]; retryAfter: number }> {
      const started = Date.now();
      const responses = await Promise.all(
        Array.from({ length: limit.burst + 3 }, (_, i) => send(i)),
      );
      // What refilled while those were answered may have let them all pass: one at a time until refused.
      while (responses.every((r) => r.status !== 429) && responses.length < 2 * limit.burst + 3)
        responses.push(await send(responses.length));
      const refilled = Math.floor(((Date.now() - started) * limit.perMinute) / 60_000);
      const allowed = responses.filter((r) => r.status !== 429);
      const refused = responses.filter((r) => r.status === 429);
      expect(allowed.length).toBeGreaterThanOrEqual(limit.burst);
      expect(allowed.length).toBeLessThanOrEqual(limit.burst + refilled);
      expect(refused.length).toBeGreaterThan(0);
      await Promise.all(allowed.map((r) => r.arrayBuffer()));
      const retryAfters = await Promise.all(
        refused.map(async (res) => {
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          const retryAfter = Number(res.headers.get('retry-after'));
          expect(retryAfter).toBeGreaterThanOrEqual(1);
          expect(retryAfter).toBeLessThanOrEqual(Math.ceil(60 / limit.perMinute));
          expect(await res.json()).toMatchObject({
            status: 429,
            code: 'rate-limit/exceeded',
            category,
            retryAfterSeconds: retryAfter,
          });
          return retryAfter;
        }),
      );
      return { allowed: allowed.map((r) => r.status), retryAfter: Math.max(...retryAfters) };
    }

    const as = (path: string, who: SignedIn | null, ip: string, method = 'GET', body?: unknown) =>
      fetch(`${t.baseUrl}${path}`, {
        method,
        headers: {
          'x-forwarded-for': ip,
          ...(who?.headers ?? {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const ok = (statuses: number[]) => statuses.every((s) => s === 200);

    it('anonymous (per IP), auth 10/min burst 5: sign-in and refresh share it; other routes 60/min burst 20', async () => {
      const { email } = await createAccount(t, 'customer');
      const ip = freshIp();
      const first = await login(t, email, TEST_PASSWORD, { 'x-forwarded-for': ip });
      expect(first.status).toBe(200);
      const refreshed = await as('/auth/refresh', null, ip, 'POST', {
        refreshToken: first.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      // Two of the five tokens are gone.
      const auth = await exhaust(
        () => as('/auth/login', null, ip, 'POST', { identifier: email, password: TEST_PASSWORD }),
        'auth',
        { perMinute: 10, burst: 3 },
      );
      expect(ok(auth.allowed)).toBe(true);
      // The address's other routes have their own bucket.
      const other = await exhaust(() => as('/catalog/listings', null, ip), 'default', {
        perMinute: 60,
        burst: 20,
      });
      expect(ok(other.allowed)).toBe(true);
      // Another address is another client.
      expect((await as('/catalog/listings', null, freshIp())).status).toBe(200);
    });

    it.each(['customer', 'business'] as const)(
      '%s, orders 60/min burst 10: cart, orders and payments share it; refills one a second; other categories untouched',
      async (role) => {
        const buyer = await signedIn(role);
        const ip = freshIp();
        const paths = ['/cart', '/orders', `/orders/${randomUUID()}/payments`];
        const { allowed, retryAfter } = await exhaust(
          (i) => as(paths[i % 3]!, buyer, ip),
          'orders',
          {
            perMinute: 60,
            burst: 10,
          },
        );
        expect(allowed.every((s) => s === 200 || s === 404)).toBe(true); // 404: no such order
        // The bucket is the user's, not the address's: another address changes nothing.
        expect((await as('/cart', buyer, freshIp())).status).toBe(429);
        // One more after a second, not two.
        await sleep(retryAfter * 1000 + 50);
        expect((await as('/orders', buyer, ip)).status).toBe(200);
        expect((await as('/orders', buyer, ip)).status).toBe(429);
        // The account's other routes are another bucket.
        expect((await as('/me', buyer, ip)).status).toBe(200);
      },
    );

    it('dealer, orders and inventory 120/min burst 20 each, independent; other routes 120/min burst 30', async () => {
      const dealer = await signedIn('dealer');
      const ip = freshIp();
      const limit = { perMinute: 120, burst: 20 };
      const orders = await exhaust(() => as('/dealer/orders', dealer, ip), 'orders', limit);
      expect(ok(orders.allowed)).toBe(true);
      // Orders exhausted: inventory still has its whole burst.
      const inventory = await exhaust(() => as('/dealer/listings', dealer, ip), 'inventory', limit);
      expect(ok(inventory.allowed)).toBe(true);
      // (Orders is not asked again here: at 2 tokens a second it may have refilled meanwhile.)
      const other = await exhaust(() => as('/me', dealer, ip), 'default', {
        perMinute: 120,
        burst: 30,
      });
      expect(ok(other.allowed)).toBe(true);
    });

    it('any signed-in account, auth 10/min burst 5 (per account, whatever the session)', async () => {
      const { userId, email } = await createAccount(t, 'technician');
      const sessions: SignedIn[] = [];
      for (let i = 0; i < 8; i++) {
        const s = await login(t, email, TEST_PASSWORD, { 'x-forwarded-for': freshIp() });
        expect(s.status).toBe(200);
        sessions.push({ ...s, userId });
      }
      const ip = freshIp();
      const { allowed } = await exhaust(
        (i) => as('/auth/logout', sessions[i]!, ip, 'POST'),
        'auth',
        {
          perMinute: 10,
          burst: 5,
        },
      );
      expect(allowed.every((s) => s === 204)).toBe(true);
    });

    it('staff, 300/min burst 60 on every route', async () => {
      const admin = await signedIn('admin');
      const { allowed } = await exhaust(() => as('/admin/orders', admin, freshIp()), 'default', {
        perMinute: 300,
        burst: 60,
      });
      expect(ok(allowed)).toBe(true);
    });
  });

  it('holds one limit across two app instances sharing Redis (within one request)', async () => {
    const env = {
      REDIS_URL: redisUrl,
      HTTP_TRUST_PROXY: 'true',
      RATE_LIMIT_POLICY: JSON.stringify({ anonymous: { auth: { perMinute: 10, burst: 8 } } }),
    };
    const one = await startTestApp({ controllers: [RateLimitProbeController], env });
    const two = await startTestApp({ controllers: [RateLimitProbeController], env });
    try {
      const ip = '198.51.100.1';
      const sent = Array.from({ length: 40 }, (_, i) =>
        get(i % 2 === 0 ? one : two, '/rl-probe/login', ip),
      );
      const codes = await statuses(sent);
      const allowed = codes.filter((c) => c === 200).length;
      // Alone, each instance would allow 8 (16 together); shared, 8 (+1 if a token refilled meanwhile).
      expect(allowed).toBeGreaterThanOrEqual(8);
      expect(allowed).toBeLessThanOrEqual(9);
      expect(codes.filter((c) => c !== 200).every((c) => c === 429)).toBe(true);
      const [r1, r2] = await Promise.all([
        get(one, '/rl-probe/login', ip),
        get(two, '/rl-probe/login', ip),
      ]);
      expect([r1.status, r2.status]).toEqual([429, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('works without REDIS_URL, in process memory', async () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    const t = await startTestApp({
      controllers: [RateLimitProbeController],
      env: { RATE_LIMIT_POLICY: POLICY },
    });
    try {
      expect(t.app.get(RateLimitService).store.kind).toBe('memory');
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await fetch(`${t.baseUrl}/rl-probe/login`)).status);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await t.close();
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
  });

  it('fails open when Redis is unreachable: requests pass, each failure is counted', async () => {
    const t = await startTestApp({
      controllers: [RateLimitProbeController],
      env: {
        REDIS_URL: 'redis://127.0.0.1:1',
        RATE_LIMIT_POLICY: JSON.stringify({ anonymous: { auth: { perMinute: 1, burst: 1 } } }),
      },
    });
    try {
      const codes = await statuses([1, 2, 3].map(() => fetch(`${t.baseUrl}/rl-probe/login`)));
      expect(codes).toEqual([200, 200, 200]);
      // Every check failed, was counted (and logged, at most every 10 s), and let the request through.
      // (The log lines are not asserted: nestjs-pino keeps one process-wide stream, the first test app's.)
      const errors = await storeErrors(t);
      expect(errors.take).toBe(3);
      expect(errors['blocked-check']).toBe(3);
    } finally {
      await t.close();
    }
  });

  describe('abuse blocks (Redis)', () => {
    let t: TestApp;
    let admin: SignedIn;
    let ops: SignedIn;
    let customer: SignedIn;
    const abuser = '192.0.2.10';
    const device = 'android-7f3e-abuser';

    beforeAll(async () => {
      t = await startTestApp({
        controllers: [RateLimitProbeController],
        env: {
          REDIS_URL: redisUrl,
          HTTP_TRUST_PROXY: 'true',
          ABUSE_PENALTY_THRESHOLD: '5',
          ABUSE_BLOCK_SECONDS: '120',
          ABUSE_DECAY_SECONDS: '600',
        },
      });
      // Blocks left by the tests above (the two-instance test's 429s block its client) would be listed too.
      const redis = new Redis(redisUrl);
      await redis.flushdb();
      await redis.quit();
      admin = await signInAs(t, 'admin');
      ops = await signInAs(t, 'ops_leader');
      customer = await signInAs(t, 'customer');
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Unauthenticated calls to a signed-in route until the client is blocked; returns the statuses. */
    async function provoke(ip: string, headers: Record<string, string> = {}): Promise<number[]> {
      const codes: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await get(t, '/rl-probe/orders', ip, headers);
        codes.push(res.status);
        if (res.status === 429) break;
        await new Promise((r) => setTimeout(r, 20)); // let the onResponse hook count the last one
      }
      return codes;
    }

    const abuseEvents = () =>
      withClient(t.db.ownerUrl, async (c) => {
        const { rows } = await c.query<{
          action: string;
          actor_role: string;
          actor_id: string | null;
          target_type: string;
          target_id: string;
          reason: string;
          ip: string | null;
        }>(
          `SELECT action, actor_role, actor_id, target_type, target_id, reason, ip
             FROM audit_events WHERE action LIKE 'abuse.%' ORDER BY seq`,
        );
        return rows;
      });

    it('blocks an IP and its device fingerprint after repeated 401s, before anything else runs', async () => {
      const codes = await provoke(abuser, { 'x-device-fingerprint': device });
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes[5]).toBe(429);

      for (const path of ['/rl-probe/open', '/no-such-route', '/rl-probe/login']) {
        const res = await get(t, path, abuser);
        expect(res.status).toBe(429);
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(110);
        expect(retryAfter).toBeLessThanOrEqual(120);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('x-request-id')).toBeTruthy();
        expect(await res.json()).toMatchObject({
          status: 429,
          code: 'abuse/blocked',
          retryAfterSeconds: retryAfter,
        });
      }
      // The same device from another address is blocked too; another client is not.
      const sameDevice = await get(t, '/rl-probe/open', '192.0.2.11', {
        'x-device-fingerprint': device,
      });
      expect(sameDevice.status).toBe(429);
      expect((await get(t, '/rl-probe/open', '192.0.2.11')).status).toBe(200);
      // Probes stay reachable.
      expect((await get(t, '/health/live', abuser)).status).toBe(200);

      const events = await eventually(async () => {
        const rows = await abuseEvents();
        return rows.length >= 2 ? rows : undefined;
      });
      expect(events.map((e) => [e.action, e.actor_role, e.actor_id, e.target_id])).toEqual(
        expect.arrayContaining([
          ['abuse.block', 'system', null, `ip:${abuser}`],
          ['abuse.block', 'system', null, `fingerprint:${sha256(device)}`],
        ]),
      );
      expect(await counterValue(t, 'abuse_blocks_total')).toBe(2);
    });

    it('lists active blocks for admin and ops_leader, not for others', async () => {
      const { data: page, response } = await t.api.GET('/admin/abuse/blocks', {
        headers: { ...admin.headers, 'x-forwarded-for': '10.0.0.1' },
      });
      expect(response.status).toBe(200);
      expect(page!.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'ip', value: abuser }),
          expect.objectContaining({ kind: 'fingerprint', value: sha256(device) }),
        ]),
      );
      expect(page!.items).toHaveLength(2);
      for (const item of page!.items) expect(item.penalty).toBeCloseTo(5, 1);
      for (const item of page!.items)
        expect(Date.parse(item.blockedUntil)).toBeGreaterThan(Date.now());

      expect((await get(t, '/admin/abuse/blocks', '10.0.0.2', customer.headers)).status).toBe(403);
      expect((await get(t, '/admin/abuse/blocks', '10.0.0.3')).status).toBe(401);
    });

    it('pages through blocks with a cursor, latest-ending first', async () => {
      for (const ip of ['192.0.2.20', '192.0.2.21', '192.0.2.22']) {
        expect((await provoke(ip)).at(-1)).toBe(429);
        await new Promise((r) => setTimeout(r, 5));
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const q = `limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await get(t, `/admin/abuse/blocks?${q}`, '10.0.0.4', ops.headers);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: { value: string }[]; nextCursor?: string };
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((i) => i.value));
        cursor = page.nextCursor;
      } while (cursor && seen.length < 20);
      expect(seen).toHaveLength(5);
      expect(seen.slice(0, 3)).toEqual(['192.0.2.22', '192.0.2.21', '192.0.2.20']);
      const bad = await get(t, '/admin/abuse/blocks?cursor=bm9wZQ', '10.0.0.4', ops.headers);
      expect(bad.status).toBe(400);
    });

    it('lets only ops_leader lift a block, with a reason, audited in the same transaction', async () => {
      const lift = (ip: string, headers: Record<string, string>, reason: string) =>
        t.api.DELETE('/admin/abuse/blocks/{kind}/{value}', {
          params: { path: { kind: 'ip', value: abuser } },
          headers: { ...headers, 'x-forwarded-for': ip },
          body: { reason },
        });
      expect((await lift('10.0.0.5', admin.headers, 'customer called')).response.status).toBe(403);
      const noReason = await lift('10.0.0.6', ops.headers, '');
      expect(noReason.response.status).toBe(400);
      expect(noReason.error).toMatchObject({ code: 'request/validation-failed' });

      const before = (await abuseEvents()).length;
      const lifted = await lift(
        '10.0.0.6',
        ops.headers,
        'Shop owner confirmed a misconfigured app',
      );
      expect(lifted.response.status).toBe(200);
      expect(lifted.data).toMatchObject({ kind: 'ip', value: abuser });

      // The address is free again (its device fingerprint stays blocked until lifted too).
      expect((await get(t, '/rl-probe/open', abuser)).status).toBe(200);
      expect((await lift('10.0.0.6', ops.headers, 'once more')).response.status).toBe(404);

      const events = await abuseEvents();
      expect(events).toHaveLength(before + 1);
      expect(events.at(-1)).toMatchObject({
        action: 'abuse.unblock',
        actor_role: 'ops_leader',
        actor_id: ops.userId,
        target_type: 'abuse_block',
        target_id: `ip:${abuser}`,
        reason: 'Shop owner confirmed a misconfigured app',
        ip: '10.0.0.6',
      });

      // The penalty was wiped with the block: one more 401 does not block again.
      expect((await get(t, '/rl-probe/orders', abuser)).status).toBe(401);
      expect((await get(t, '/rl-probe/open', abuser)).status).toBe(200);
    });
  });

  /** The Redis Lua scripts and the in-memory store must agree (the unit tests cover the arithmetic). */
  describe.each(['memory', 'redis'] as const)('%s store', (kind) => {
    let store: RateLimitStore;
    beforeAll(async () => {
      if (kind === 'memory') {
        store = new MemoryRateLimitStore();
      } else {
        const redis = new RedisRateLimitStore(redisUrl, () => undefined);
        await redis.connect();
        store = redis;
      }
    });
    afterAll(async () => {
      await store.close();
    });

    it('takes a token from every bucket or from none', async () => {
      const user = { key: `parity:${kind}:user`, limit: { perMinute: 60, burst: 3 } };
      const ip = { key: `parity:${kind}:ip`, limit: { perMinute: 60, burst: 2 } };
      expect(await store.take([user, ip])).toEqual({
        allowed: true,
        retryAfterMs: 0,
        remaining: [2, 1],
      });
      expect((await store.take([user, ip])).remaining).toEqual([1, 0]);
      const refused = await store.take([user, ip]);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(900);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      expect(refused.remaining).toEqual([1, 0]);
      expect((await store.take([user])).remaining).toEqual([0]); // the refusal cost the user nothing
    });

    it('blocks at the threshold once, lists, and lifts', async () => {
      const target = { kind: 'fingerprint' as const, value: `parity-${kind}` };
      const rule = { threshold: 3, decayMs: 60_000, blockMs: 30_000 };
      expect((await store.addPenalty(target, 1, rule)).blocked).toBeNull();
      expect((await store.addPenalty(target, 1, rule)).penalty).toBeCloseTo(2, 1);
      const third = await store.addPenalty(target, 1, rule);
      expect(third.blocked).toMatchObject({ ...target });
      expect(third.blocked!.until - third.blocked!.blockedAt).toBe(30_000);
      expect((await store.addPenalty(target, 1, rule)).blocked).toBeNull();
      const ms = await store.blockedFor([{ kind: 'ip', value: 'nobody' }, target]);
      expect(ms).toBeGreaterThan(29_000);
      expect(await store.getBlock(target)).toMatchObject(target);
      expect((await store.listBlocks(100)).map((b) => b.value)).toContain(target.value);
      expect(await store.removeBlock(target)).toMatchObject(target);
      expect(await store.removeBlock(target)).toBeNull();
      expect(await store.blockedFor([target])).toBe(0);
      expect((await store.addPenalty(target, 1, rule)).penalty).toBeCloseTo(1, 1);
    });
  });
});
