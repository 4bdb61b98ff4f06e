/**
 * The app through PgBouncer in session mode, configured as production's
 * (deploy/base/platform/pgbouncer.yaml; locally scripts/pgbouncer.sh), on real PostgreSQL: every
 * connection the app opens (its pool, the nearby search's, pg-boss's, the principal cache's
 * listener) goes through it. Named prepared statements run again on their connection (the nearby
 * search and its ranking reads, location fixes), LISTEN/NOTIFY reaches the principal cache, the
 * startup parameters PgBouncer drops are carried by the app role instead (the statement timeout
 * and the isolation level), the migrations run through it, and an order checkout (a transaction
 * of many statements) works.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import { projectRoot } from '../src/common/project-root.js';
import { MIGRATIONS_TABLE } from '../src/database/data-source-options.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { scrapeMetrics } from './support/metrics.js';
import { activeListing, checkout, putInCart, stockOf } from './support/orders.js';
import { startPgBouncer } from './support/pgbouncer.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, withClient } from './support/test-database.js';

const SETTINGS_SQL = `SELECT
    (SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout') AS "timeoutMs",
    (SELECT source FROM pg_settings WHERE name = 'statement_timeout') AS "timeoutSource",
    current_setting('default_transaction_isolation') AS isolation`;

describe('the app through PgBouncer (session mode)', () => {
  let bouncer: ReturnType<typeof startPgBouncer>;
  let t: TestApp;

  const me = (who: SignedIn) => fetch(`${t.baseUrl}/me`, { headers: who.headers });
  const cacheHits = async () =>
    Number(
      /^auth_principal_lookups_total\{outcome="hit"\} (\d+)/m.exec(await scrapeMetrics(t))?.[1] ??
        0,
    );

  beforeAll(async () => {
    bouncer = startPgBouncer();
    t = await startTestApp({
      // Job workers run: pg-boss's connections and its LISTEN go through PgBouncer too.
      env: { ...QUIET_ENV, JOBS_WORKERS: 'true' },
      databaseUrl: (url) => bouncer.through(url),
    });
  });
  afterAll(() => t?.close());

  it('is given only URLs through PgBouncer, and is ready (database, migrations, job queue)', async () => {
    const direct = new URL(t.db.appUrl);
    for (const url of [t.config.database.url, t.config.database.ownerUrl])
      expect(new URL(url).port).not.toBe(direct.port);
    expect(new URL(t.config.database.url).port).toBe(new URL(bouncer.through(t.db.appUrl)).port);
    const ready = await fetch(`${t.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('drops the statement timeout and isolation the app asks for at connect; the app role carries them', async () => {
    // The app's own connections: the values its config asks for, set by the role (source `user`),
    // not by the connection (`client`, as on a direct connection).
    const [app] = (await t.app.get(DataSource).query(SETTINGS_SQL)) as Record<string, unknown>[];
    expect(app).toEqual({
      timeoutMs: t.config.database.statementTimeoutMs,
      timeoutSource: 'user',
      isolation: 'read committed',
    });

    // What PgBouncer does to a role without those settings: asked for at connect, they are gone.
    const ask = {
      statement_timeout: 1000,
      options: '-c default_transaction_isolation=serializable',
    };
    const settingsOf = async (connectionString: string) => {
      const c = new pg.Client({ connectionString, ...ask });
      await c.connect();
      try {
        return (await c.query(SETTINGS_SQL)).rows[0] as Record<string, unknown>;
      } finally {
        await c.end();
      }
    };
    expect(await settingsOf(t.db.ownerUrl)).toEqual({
      timeoutMs: 1000,
      timeoutSource: 'client',
      isolation: 'serializable',
    });
    expect(await settingsOf(bouncer.through(t.db.ownerUrl))).toEqual({
      timeoutMs: 0,
      timeoutSource: 'default',
      isolation: 'read committed',
    });
  });

  it('runs the named prepared statements again on their connections: location fixes, nearby search and its ranking', async () => {
    const at = { lat: 18.5204, lng: 73.8567 }; // Pune
    const customer = await signInAs(t, 'customer');
    const fix = (who: SignedIn, northM: number) =>
      t.api.POST('/technicians/me/location', {
        body: {
          lat: at.lat + northM * 0.000009,
          lng: at.lng,
          accuracyM: 8,
          recordedAt: new Date().toISOString(),
          provider: 'fused',
        },
        headers: who.headers,
      });
    const nearby = () =>
      t.api.GET('/technicians/nearby', {
        params: { query: { ...at, radiusKm: 2 } },
        headers: customer.headers,
      });
    const distances = [340, 940, 1540, 1840];
    const techs = await Promise.all(distances.map(() => signInAs(t, 'technician')));
    for (const tech of techs) {
      const on = await t.api.PUT('/technicians/me/availability', {
        body: { availability: 'active' },
        headers: tech.headers,
      });
      expect(on.response.status).toBe(200);
    }
    // Rounds of concurrent requests, so each statement runs again on connections that prepared
    // it, whichever of the pool's connections each request is given (with transaction pooling
    // a connection's next transaction may land on a server connection that never prepared it).
    for (let round = 0; round < 4; round++) {
      const fixes = await Promise.all(techs.map((tech, i) => fix(tech, distances[i]!)));
      for (const { data, response } of fixes) {
        expect(response.status).toBe(202);
        // The first fix places each technician; the next ones, at the same place, are throttled.
        expect(data).toEqual({ positionUpdated: round === 0 });
      }
      for (const { data, response } of await Promise.all(Array.from({ length: 8 }, nearby))) {
        expect(response.status).toBe(200);
        expect(data!.items).toEqual(
          techs.map((tech, i) =>
            expect.objectContaining({
              id: tech.userId,
              distanceM: Math.floor(distances[i]! / 100) * 100,
              rankScore: 0.625,
            }),
          ),
        );
      }
    }
  });

  it('delivers the database’s announcements to the principal cache: a session revoked elsewhere ends within a second', async () => {
    const customer = await signInAs(t, 'customer');
    // Served from the cache once its listening connection is up.
    const started = Date.now();
    for (;;) {
      const before = await cacheHits();
      expect((await me(customer)).status).toBe(200);
      if ((await cacheHits()) > before) break;
      expect(Date.now() - started).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Revoked by SQL on a connection of its own, as another API process would commit it.
    await withClient(t.db.ownerUrl, (c) =>
      c.query(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = 'elsewhere' WHERE id = $1`,
        [customer.sessionId],
      ),
    );
    const revoked = Date.now();
    while ((await me(customer)).status !== 401) {
      expect(Date.now() - revoked).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('runs the migrations through it as the owner, as the deployment’s migration Job does', async () => {
    const db = await createTestDatabase('empty');
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(projectRoot(), 'dist', 'scripts', 'migrate.js')],
        {
          env: {
            ...process.env,
            DATABASE_URL: bouncer.through(db.appUrl),
            DATABASE_OWNER_URL: bouncer.through(db.ownerUrl),
          },
        },
      );
      expect(stdout).toMatch(/^applied /);
      const [{ count }] = await withClient(
        db.ownerUrl,
        async (c) => (await c.query(`SELECT count(*)::int AS count FROM ${MIGRATIONS_TABLE}`)).rows,
      );
      expect(count).toBe(migrations.length);
    } finally {
      await db.drop();
    }
  });

  it('checks out an order (a transaction of many statements)', async () => {
    const [dealer, buyer] = await Promise.all([signInAs(t, 'dealer'), signInAs(t, 'customer')]);
    const listing = await activeListing(t, dealer.userId, { b2cPricePaise: 45_000, stock: 5 });
    expect((await putInCart(t, buyer, listing, 2)).status).toBe(200);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    expect(placed.order).toMatchObject({ paymentStatus: 'awaiting_payment' });
    expect(await stockOf(t, listing)).toEqual({ onHand: 5, reserved: 2 });
  });
});
