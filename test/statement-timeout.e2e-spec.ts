/**
 * DATABASE_STATEMENT_TIMEOUT_MS reaches the server on every app connection (the main pool and the
 * planned pool), 0 included: the CLI's long reads (a restored cluster's trial balance in the restore
 * drill) set 0, which the pg driver would leave out of its startup packet, leaving the app role's
 * default (15 s, scripts/db.sh) in force.
 */
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../src/database/transaction.js';
import { QUIET_ENV } from './support/accounts.js';
import { startTestApp } from './support/test-app.js';

const TIMEOUT_SQL = `SELECT current_setting('statement_timeout') AS timeout,
  (SELECT source FROM pg_settings WHERE name = 'statement_timeout') AS source`;

describe('the statement timeout of the app connections', () => {
  it.each([
    ['0', '0'],
    ['2500', '2500ms'],
  ])(
    'DATABASE_STATEMENT_TIMEOUT_MS=%s is the connections’ timeout (%s), over the role’s',
    async (ms, shown) => {
      const t = await startTestApp({ env: { ...QUIET_ENV, DATABASE_STATEMENT_TIMEOUT_MS: ms } });
      try {
        const main = (await t.app.get(DataSource).query(TIMEOUT_SQL)) as Record<string, string>[];
        const planned = await t.app.get(TransactionRunner).planned.once(TIMEOUT_SQL);
        for (const rows of [main, planned.rows])
          expect(rows).toEqual([{ timeout: shown, source: 'client' }]);
        // The role's own default, for comparison: what a connection that sends none gets.
        const [role] = (await t.app.get(DataSource).query(
          `SELECT unnest(setconfig) AS setting FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
            WHERE r.rolname = current_user`,
        )) as { setting: string }[];
        expect(role).toEqual({ setting: 'statement_timeout=15s' });
      } finally {
        await t.close();
      }
    },
  );
});
