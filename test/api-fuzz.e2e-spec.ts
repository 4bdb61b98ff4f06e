/**
 * API fuzzing: every operation of the committed contract, called by every role (and anonymously) with
 * requests generated from its schemas (test/support/openapi-fuzz.ts). No answer may be a 5xx; every
 * error must be problem+json of the project's shape; every success must carry its declared media type.
 *
 * `FUZZ_REQUESTS` sets the number of requests (default 5,000: about a minute here; `npm run
 * test:fuzz` runs 10,000), `FUZZ_SEED` replays a run (the seed is printed), `FUZZ_CONCURRENCY` the
 * requests in flight (default 6). Rate limits and abuse blocks are lifted (QUIET_ENV), so each
 * operation must get at least 20 answers other than 429.
 */
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { ROLES, type Role } from '../src/common/roles.js';
import { createAccount, signInAs, type SignedIn } from './support/accounts.js';
import {
  answerFault,
  fuzzOperations,
  idsIn,
  requestArb,
  type Caller,
  type FuzzOperation,
  type FuzzRequest,
} from './support/openapi-fuzz.js';
import { expectMoneyIdentity } from './support/books.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import { payThroughSandbox, startSandboxApp, type SandboxApp } from './support/payments.js';
import type { TestApp } from './support/test-app.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 6);
const MIN_ANSWERS_PER_ROUTE = 20;
/** Ids kept for requests to hit: the fixtures' and, route after route, those found in answers. */
const MAX_IDS = 300;

const CALLERS: Caller[] = ['anonymous', ...ROLES];

/** Authorization headers no server issued (sent now and then in place of the caller's own). */
const FORGED_AUTH = [
  'Bearer x',
  'Bearer ',
  'Basic Zm9vOmJhcg==',
  'bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  `Bearer ${'a'.repeat(4000)}`,
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.c2ln',
];

/** Routes that end the caller's own sessions: each such call gets an account signed in for it alone. */
const SESSION_ENDING = new Set(['POST /auth/logout', 'POST /auth/logout-everywhere']);

interface Planned {
  op: FuzzOperation;
  req: FuzzRequest;
  caller: Caller;
  forged?: string;
}

const truncate = (s: string, n = 400) =>
  s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;

function describeRequest(p: Planned): string {
  const body =
    p.req.body === undefined
      ? '(none)'
      : typeof p.req.body === 'string'
        ? JSON.stringify(truncate(p.req.body))
        : `${p.req.body.length} bytes`;
  return [
    `${p.req.method} ${truncate(p.req.url, 300)}  as ${p.caller}${p.forged ? ` with forged authorization ${JSON.stringify(truncate(p.forged, 60))}` : ''}`,
    `  headers: ${truncate(JSON.stringify(p.req.headers), 300)}`,
    `  body: ${body}`,
  ].join('\n');
}

describe('API fuzzing (openapi.json)', () => {
  let started: SandboxApp;
  let t: TestApp;
  const sessions = new Map<Role, SignedIn>();
  const ids: string[] = [];
  const named: Record<string, string[]> = {};
  let paidOrder: { id: string; dealerId: string };

  beforeAll(async () => {
    // Sign-in throttling (per identifier and per IP) lifted too: the fuzzer's failed sign-ins all come from 127.0.0.1.
    started = await startSandboxApp({
      env: { LOGIN_SLOWDOWN_AFTER_FAILURES: '999999', LOGIN_LOCKOUT_AFTER_FAILURES: '1000000' },
    });
    t = started.t;
    for (const role of ROLES) sessions.set(role, await signInAs(t, role));
    // Real objects for ids to hit: the dealer's listings, the customer's order and sub-order, and
    // accounts other than the callers' own (so an admin's block or revoke never ends a caller's session).
    const dealer = sessions.get('dealer')!;
    const customer = sessions.get('customer')!;
    const listingId = await activeListing(t, dealer.userId, { stock: 1000 });
    const draftId = await activeListing(t, dealer.userId, { status: 'draft' });
    // Two orders: one awaiting payment, one paid (so the dealer's and staff's order actions can act).
    const orders = [];
    for (let i = 0; i < 2; i++) {
      expect((await putInCart(t, customer, listingId, 2)).status).toBe(200);
      const { status, order } = await checkout(t, customer);
      expect(status).toBe(201);
      orders.push(order!);
    }
    await payThroughSandbox(t, started.sandbox, customer, orders[1]!.id);
    paidOrder = { id: orders[1]!.id, dealerId: dealer.userId };
    const bystander = await signInAs(t, 'customer');
    const pending = await createAccount(t, 'dealer', { status: 'pending' });
    Object.assign(named, {
      listingId: [listingId, draftId],
      id: [listingId, bystander.userId, pending.userId],
      orderId: orders.map((o) => o.id),
      subOrderId: orders.flatMap((o) => o.subOrders.map((s) => s.id)),
      sessionId: [bystander.sessionId],
    });
    ids.push(...new Set(Object.values(named).flat()));
  });
  afterAll(async () => {
    await started?.close();
  });

  const send = async (p: Planned) => {
    let authorization: string | undefined = p.forged;
    if (!authorization && p.caller !== 'anonymous') {
      const who = SESSION_ENDING.has(`${p.op.method} ${p.op.path}`)
        ? await signInAs(t, p.caller)
        : sessions.get(p.caller)!;
      authorization = who.headers.authorization;
    }
    const res = await fetch(`${t.baseUrl}${p.req.url}`, {
      method: p.req.method,
      headers: { ...p.req.headers, ...(authorization ? { authorization } : {}) },
      body: p.req.body,
      signal: AbortSignal.timeout(60_000),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      text: bytes.toString('utf8'),
    };
  };

  /** A request as it is (raw path and query), its answer with the problem parsed. */
  const raw = async (url: string, who?: Role) => {
    const res = await fetch(`${t.baseUrl}${url}`, {
      headers: who ? sessions.get(who)!.headers : {},
    });
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    return { status: res.status, problem: JSON.parse(text) as Record<string, unknown> };
  };

  describe('answers the fuzzer found wrong, now problem+json', () => {
    it('a path that is not valid percent-encoded UTF-8 is a 400 request/bad-url', async () => {
      const { status, problem } = await raw('/admin/users/%ED%A0%80', 'admin');
      expect(status).toBe(400);
      expect(problem).toMatchObject({
        code: 'request/bad-url',
        type: '/problems/request/bad-url',
        status: 400,
      });
    });

    it("path parameters up to the contract's lengths reach validation; longer than 1,024 is a 414", async () => {
      // An abuse-block value may be 128 characters: the router took at most 100 before.
      const fits = await raw(`/admin/abuse/blocks/ip/${'a'.repeat(128)}`, 'admin');
      expect(fits.problem.code).not.toBe('request/uri-too-long');
      const { status, problem } = await raw(`/admin/users/${'a'.repeat(1025)}`, 'admin');
      expect(status).toBe(414);
      expect(problem).toMatchObject({ code: 'request/uri-too-long', status: 414 });
    });

    it('a request line over the header size limit is a 431 request/headers-too-large', async () => {
      const { status, problem } = await raw(`/catalog/listings?q=${'x'.repeat(40_000)}`);
      expect(status).toBe(431);
      expect(problem).toMatchObject({ code: 'request/headers-too-large', status: 431 });
      expect(typeof problem.requestId).toBe('string');
    });

    it('a method a path does not declare is a problem+json 4xx on every path', async () => {
      const ops = fuzzOperations();
      const faults: string[] = [];
      for (const path of new Set(ops.map((op) => op.path))) {
        const declared = new Set(ops.filter((op) => op.path === path).map((op) => op.method));
        const url = path.replace(/\{[^}]+\}/g, () => ids[0]!);
        for (const method of ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS']) {
          if (declared.has(method)) continue;
          const res = await fetch(`${t.baseUrl}${url}`, {
            method,
            headers: sessions.get('admin')!.headers,
          });
          const fault = answerFault(
            { method, path, parameters: [], success: {}, callers: [] },
            {
              status: res.status,
              contentType: res.headers.get('content-type') ?? '',
              text: await res.text(),
            },
          );
          if (fault || res.status < 400)
            faults.push(`${method} ${path}: ${res.status} ${fault ?? ''}`);
        }
      }
      expect(faults).toEqual([]);
    });

    it('commission rules: a day that does not exist, or before the first commission rate, is a 400', async () => {
      for (const asOf of ['2026-02-30', '2026-13-45', '0000-01-01']) {
        const { status, problem } = await raw(`/admin/commission-rules?asOf=${asOf}`, 'finance');
        expect(status).toBe(400);
        expect(problem).toMatchObject({
          code: 'request/validation-failed',
          errors: [{ field: 'asOf', in: 'query', messages: ['asOf must be a date YYYY-MM-DD'] }],
        });
      }
      const early = await raw(
        '/admin/commission-rules?asOf=2020-01-01&category=display',
        'finance',
      );
      expect(early.status).toBe(400);
      expect(early.problem.code).toBe('commission/no-rate-on-date');
    });
  });

  it(
    `answers ${REQUESTS} generated requests over every route and role without a 5xx or an error that is not problem+json`,
    async () => {
      const ops = fuzzOperations();
      expect(ops.length).toBeGreaterThan(100);
      const perRoute = Math.max(MIN_ANSWERS_PER_ROUTE, Math.ceil(REQUESTS / ops.length));
      console.log(
        `API fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${ops.length} routes × ${perRoute} requests`,
      );
      const started = performance.now();
      const faults = new Map<string, string[]>();
      const answered = new Map<string, number>();
      const statuses = new Map<number, number>();
      let sent = 0;
      for (const [i, op] of ops.entries()) {
        const route = `${op.method} ${op.path}`;
        const plan: Planned[] = fc
          .sample(
            fc.tuple(
              requestArb(op, { ids, named }),
              // Mostly the roles the route is for, now and then anyone (refusals are answers too).
              fc.oneof(
                { arbitrary: fc.constantFrom(...op.callers), weight: 3 },
                { arbitrary: fc.constantFrom(...CALLERS), weight: 1 },
              ),
              fc.oneof(
                { arbitrary: fc.constant(undefined), weight: 11 },
                { arbitrary: fc.constantFrom(...FORGED_AUTH), weight: 1 },
              ),
            ),
            { seed: SEED + i, numRuns: perRoute },
          )
          .map(([req, caller, forged]) => ({ op, req, caller, ...(forged ? { forged } : {}) }));
        const found = new Map<string, { name: string; id: string }>();
        const queue = [...plan];
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let p = queue.shift(); p; p = queue.shift()) {
              const a = await send(p).catch((error: Error) => ({
                status: 0,
                contentType: '',
                text: `no answer: ${String((error.cause as Error | undefined)?.message ?? error.message)}`,
              }));
              sent++;
              statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
              if (a.status !== 429) answered.set(route, (answered.get(route) ?? 0) + 1);
              const fault = answerFault(op, a);
              if (!fault && a.status < 300 && a.contentType.startsWith('application/json'))
                for (const f of idsIn(JSON.parse(a.text))) found.set(`${f.name} ${f.id}`, f);
              if (!fault) continue;
              const key = `${route}: ${fault}`;
              const seen = faults.get(key) ?? [];
              if (seen.length < 2)
                seen.push(
                  `${describeRequest(p)}\n  answer: ${a.status} ${a.contentType} ${truncate(a.text, 300)}`,
                );
              faults.set(key, seen);
            }
          }),
        );
        // Objects this route made or listed become ids for the routes after it (never a caller's own
        // account or session: an admin's block or revoke must not end a caller's session).
        const callers = new Set([...sessions.values()].flatMap((s) => [s.userId, s.sessionId]));
        for (const [, { name, id }] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
          if (callers.has(id)) continue;
          if (ids.length < MAX_IDS && !ids.includes(id)) ids.push(id);
          const same = (named[name] ??= []);
          if (same.length < MAX_IDS / 10 && !same.includes(id)) same.push(id);
        }
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `API fuzz: ${sent} requests, ${ops.length} routes, ${seconds} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      const report = [...faults].map(([key, examples]) => `${key}\n${examples.join('\n')}`);
      if (report.length > 0)
        throw new Error(
          `API fuzz (FUZZ_SEED=${SEED}) found ${report.length} faults:\n\n${report.join('\n\n')}`,
        );
      const thin = ops
        .map((op) => `${op.method} ${op.path}`)
        .filter((route) => (answered.get(route) ?? 0) < MIN_ANSWERS_PER_ROUTE);
      expect(thin).toEqual([]);
      // Whatever the fuzzer did to it, the paid order's money adds up and the books balance.
      await expectMoneyIdentity(t, paidOrder, paidOrder.dealerId);
    },
    Math.max(300_000, REQUESTS * 200),
  );
});
