/**
 * The history tables of the money state machines (migration MoneyStateHistory, docs/state-machines.md)
 * are append-only like every journal: the app role has no UPDATE, DELETE or TRUNCATE on them, and the
 * owner is stopped by the trigger. (Each machine's e2e test checks the rows its moves write.)
 */
import type pg from 'pg';
import { createTestDatabase, withClient, type TestDatabase } from './support/test-database.js';

const HISTORY_TABLES = [
  'dispute_history',
  'reconciliation_exception_history',
  'payment_alert_history',
  'fraud_alert_history',
  'webhook_inbox_history',
  'payment_history',
  'escrow_hold_history',
  'escrow_transfer_history',
  'refund_history',
  'reconciliation_run_history',
  'fraud_hold_history',
];

async function sqlstateOf(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

it.each(HISTORY_TABLES)(
  'the app role may read %s but not UPDATE, DELETE or TRUNCATE it (42501)',
  (table) =>
    withClient(db.appUrl, async (c) => {
      expect(await sqlstateOf(c, `SELECT count(*) FROM ${table}`)).toBeUndefined();
      expect(await sqlstateOf(c, `UPDATE ${table} SET reason = 'rewritten'`)).toBe('42501');
      expect(await sqlstateOf(c, `DELETE FROM ${table}`)).toBe('42501');
      expect(await sqlstateOf(c, `TRUNCATE ${table}`)).toBe('42501');
    }),
);

it.each(HISTORY_TABLES)('the owner is stopped by the trigger on %s (23001)', (table) =>
  withClient(db.ownerUrl, async (c) => {
    expect(await sqlstateOf(c, `TRUNCATE ${table}`)).toBe('23001');
  }),
);
