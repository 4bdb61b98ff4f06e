/**
 * Hot statements planned once (`TransactionRunner.planned`, src/database/transaction.ts) on real
 * PostgreSQL: a named statement there gets a generic plan from its first execution on, where the
 * main pool's connections (PostgreSQL left to choose) plan the same statement afresh each time; its
 * connections are the app's own (`fixbazaar-planned`), and a statement's error reaches the caller.
 */
import { TransactionRunner } from '../src/database/transaction.js';
import { type LedgerApp, startLedgerOn } from './support/ledger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('hot statements planned once', () => {
  let db: TestDatabase;
  let app: LedgerApp;
  let tx: TransactionRunner;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startLedgerOn(db);
    tx = app.moduleRef.get(TransactionRunner);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  // The statement reports its own plans so far, as the connection running it counts them.
  const probe = `SELECT $1::int AS v,
       (SELECT generic_plans FROM pg_prepared_statements WHERE name = 'planned-probe')::int AS generic,
       (SELECT custom_plans FROM pg_prepared_statements WHERE name = 'planned-probe')::int AS custom`;

  it('plans a named statement generically from its first execution', async () => {
    const seen = [];
    for (let i = 1; i <= 8; i++)
      seen.push(
        (await tx.planned.once<{ v: number; custom: number }>(probe, [i], 'planned-probe'))
          .rows[0]!,
      );
    expect(seen.map((r) => r.v)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.every((r) => r.custom === 0)).toBe(true);

    // The same statement on the main pool's connections is planned with each execution's values.
    const main = [];
    for (let i = 1; i <= 8; i++)
      main.push((await tx.once<{ custom: number }>(probe, [i], 'planned-probe')).rows[0]!);
    expect(Math.max(...main.map((r) => r.custom))).toBeGreaterThan(0);
  });

  it('runs on connections of its own, and a failing statement fails its caller', async () => {
    const { rows } = await tx.planned.once<{ app: string; mode: string }>(
      `SELECT current_setting('application_name') AS app, current_setting('plan_cache_mode') AS mode`,
    );
    expect(rows[0]).toEqual({ app: 'fixbazaar-planned', mode: 'force_generic_plan' });
    await expect(tx.planned.once(`SELECT 1 / $1::int`, [0])).rejects.toMatchObject({
      code: '22012',
    });
    expect((await tx.planned.once<{ n: number }>(`SELECT 2 AS n`)).rows).toEqual([{ n: 2 }]);
  });
});
