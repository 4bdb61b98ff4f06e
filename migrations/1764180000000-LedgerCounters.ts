import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account counters and balance deltas become numeric(38,0). Accounts without a floor are posted to
 * without reading their counters (appended deltas), so nothing could refuse an overflow of a bigint
 * counter there; with 38 digits and at most 10^15 paise per line (MAX_PAISE), an overflow would need
 * 10^23 entries. The CHECKs on the counters are unchanged.
 */
export class LedgerCounters1764180000000 implements MigrationInterface {
  name = 'LedgerCounters1764180000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['ledger_accounts', 'ledger_balance_deltas']) {
      await q.query(`
        ALTER TABLE ${table}
          ALTER COLUMN debits_posted TYPE numeric(38,0),
          ALTER COLUMN credits_posted TYPE numeric(38,0),
          ALTER COLUMN debits_pending TYPE numeric(38,0),
          ALTER COLUMN credits_pending TYPE numeric(38,0)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['ledger_accounts', 'ledger_balance_deltas']) {
      await q.query(`
        ALTER TABLE ${table}
          ALTER COLUMN debits_posted TYPE bigint,
          ALTER COLUMN credits_posted TYPE bigint,
          ALTER COLUMN debits_pending TYPE bigint,
          ALTER COLUMN credits_pending TYPE bigint`);
    }
  }
}
