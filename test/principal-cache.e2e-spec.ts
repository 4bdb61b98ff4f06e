/**
 * The principal cache (src/identity/session-principals.ts, README "The principal cache") on real
 * PostgreSQL: a signed-in caller's second request is served from the cache; a change made by
 * another process (here: SQL on another connection, as another API process would commit it) —
 * a session revoked, an account blocked or suspended — takes effect within a second through the
 * database's announcement; this process's own logout and block take effect on the very next
 * request; while the listening connection is lost every request reads the database, and after it
 * is back the cache serves again; sessions it has not seen, arriving together, are read in one
 * statement, each with its own principal.
 */
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { scrapeMetrics } from './support/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

describe('the principal cache', () => {
  let t: TestApp;

  const sql = (text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query(text, params)).rows);
  const me = (who: SignedIn) => fetch(`${t.baseUrl}/me`, { headers: who.headers });
  const lookups = async () => {
    const text = await scrapeMetrics(t);
    const count = (outcome: string) =>
      Number(
        new RegExp(`^auth_principal_lookups_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    return { hit: count('hit'), miss: count('miss'), bypass: count('bypass') };
  };
  /** Polls until `me` answers `status`; how long it took (ms). Fails after 3 s. */
  const msUntil = async (who: SignedIn, status: number) => {
    const started = Date.now();
    for (;;) {
      if ((await me(who)).status === status) return Date.now() - started;
      if (Date.now() - started > 3000) throw new Error(`still not ${status} after 3 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** Waits until `who`'s requests are served from the cache (the listening connection is up). */
  const servedFromCache = async (who: SignedIn) => {
    const started = Date.now();
    for (;;) {
      const before = (await lookups()).hit;
      expect((await me(who)).status).toBe(200);
      if ((await lookups()).hit > before) return;
      if (Date.now() - started > 5000) throw new Error('the principal cache is not serving');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    await servedFromCache(await signInAs(t, 'customer'));
  });
  afterAll(() => t?.close());

  it('serves a session’s second request from the cache', async () => {
    const customer = await signInAs(t, 'customer');
    const before = await lookups();
    expect((await me(customer)).status).toBe(200);
    expect((await me(customer)).status).toBe(200);
    expect((await me(customer)).status).toBe(200);
    const after = await lookups();
    expect(after.miss - before.miss).toBe(1);
    expect(after.hit - before.hit).toBe(2);
  });

  it('reads sessions arriving together in one statement, each with its own principal', async () => {
    const people = await Promise.all(
      Array.from({ length: 24 }, (_, i) => signInAs(t, i % 2 === 0 ? 'customer' : 'dealer')),
    );
    const revoked = people[5]!;
    await sql(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'test' WHERE id = $1`, [
      revoked.sessionId,
    ]);
    const batches = async () => {
      const text = await scrapeMetrics(t);
      const figure = (name: string) =>
        Number(new RegExp(`^auth_principal_read_batch_size_${name} (\\d+)`, 'm').exec(text)?.[1]);
      return { statements: figure('count'), sessions: figure('sum') };
    };
    const before = await batches();
    const answers = await Promise.all(
      people.map(async (who) => {
        const res = await me(who);
        return {
          status: res.status,
          id: res.ok ? ((await res.json()) as { id: string }).id : null,
        };
      }),
    );
    const after = await batches();
    expect(answers).toEqual(
      people.map((who) =>
        who === revoked ? { status: 401, id: null } : { status: 200, id: who.userId },
      ),
    );
    expect(after.sessions - before.sessions).toBe(people.length);
    expect(after.statements - before.statements).toBeLessThan(people.length);
  });

  it('a session revoked by another process ends within a second', async () => {
    const customer = await signInAs(t, 'customer');
    expect((await me(customer)).status).toBe(200);
    expect((await me(customer)).status).toBe(200); // cached
    await sql(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'elsewhere' WHERE id = $1`,
      [customer.sessionId],
    );
    expect(await msUntil(customer, 401)).toBeLessThan(1000);
    const res = await me(customer);
    expect(((await res.json()) as { code: string }).code).toBe('auth/session-ended');
  });

  it('an account blocked or suspended by another process is seen within a second', async () => {
    const dealer = await signInAs(t, 'dealer');
    const listings = () =>
      fetch(`${t.baseUrl}/dealer/listings`, { headers: dealer.headers }).then((r) => r.status);
    expect(await listings()).toBe(200);
    expect(await listings()).toBe(200); // cached as approved
    await sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [dealer.userId]);
    const started = Date.now();
    while ((await listings()) !== 403) {
      expect(Date.now() - started).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
    await sql(`UPDATE users SET status = 'blocked' WHERE id = $1`, [dealer.userId]);
    expect(await msUntil(dealer, 401)).toBeLessThan(1000);
  });

  it('this process’s own logout and block take effect on the next request', async () => {
    const customer = await signInAs(t, 'customer');
    expect((await me(customer)).status).toBe(200);
    expect((await me(customer)).status).toBe(200);
    const out = await fetch(`${t.baseUrl}/auth/logout`, {
      method: 'POST',
      headers: customer.headers,
    });
    expect(out.status).toBeLessThan(300);
    expect((await me(customer)).status).toBe(401);

    const admin = await signInAs(t, 'admin');
    const other = await signInAs(t, 'customer');
    expect((await me(other)).status).toBe(200);
    expect((await me(other)).status).toBe(200);
    const block = await t.api.POST('/admin/users/{id}/block', {
      params: { path: { id: other.userId } },
      body: { reason: 'card testing from this account' },
      headers: admin.headers,
    });
    expect(block.response.status).toBe(200);
    expect((await me(other)).status).toBe(401);
  });

  it('reads the database on every request while its listening connection is lost, and caches again once it is back', async () => {
    const customer = await signInAs(t, 'customer');
    expect((await me(customer)).status).toBe(200);
    await sql(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'fixbazaar-principals'`,
    );
    // Until the loss is noticed a request may still be served from the cache; after, none is.
    const lost = Date.now();
    for (;;) {
      const before = await lookups();
      expect((await me(customer)).status).toBe(200);
      if ((await lookups()).bypass > before.bypass) break;
      expect(Date.now() - lost).toBeLessThan(1500);
    }
    const before = await lookups();
    expect((await me(customer)).status).toBe(200);
    expect((await me(customer)).status).toBe(200);
    const during = await lookups();
    expect(during.hit).toBe(before.hit);

    await servedFromCache(customer);
    // And announcements reach it again.
    await sql(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'elsewhere' WHERE id = $1`,
      [customer.sessionId],
    );
    expect(await msUntil(customer, 401)).toBeLessThan(1000);
  });
});
