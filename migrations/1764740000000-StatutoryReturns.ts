import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Statutory returns (src/returns): the periods finance closed, each with the figures it froze, and
 * the payments of collected tax to the government (each also a ledger entry `tax_payment:<id>`,
 * Dr the tax liability / Cr the bank, with its challan reference). Both append-only: a closed
 * period never changes (later corrections are amendments of the next one) and a payment is a fact.
 */
export class StatutoryReturns1764740000000 implements MigrationInterface {
  name = 'StatutoryReturns1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE return_periods (
        return_type text NOT NULL CHECK (return_type IN ('gstr8','gstr1','tds194o')),
        period text NOT NULL CHECK (period ~ '^[0-9]{4}-([0-9]{2}|[0-9]{2}-Q[1-4])$'),
        closed_by uuid NOT NULL REFERENCES users(id),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        closed_at timestamptz NOT NULL DEFAULT now(),
        snapshot jsonb NOT NULL,
        PRIMARY KEY (return_type, period)
      )`);
    await makeAppendOnly(q, 'return_periods');
    await q.query(`
      CREATE TABLE tax_payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tax text NOT NULL CHECK (tax IN ('tcs','tds','gst_output')),
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        challan_reference text NOT NULL CHECK (length(challan_reference) BETWEEN 1 AND 64),
        paid_on date NOT NULL,
        bank_account_id text NOT NULL,
        entry_id text NOT NULL UNIQUE REFERENCES ledger_entries(id),
        paid_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tax, challan_reference)
      )`);
    await makeAppendOnly(q, 'tax_payments');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tax_payments, return_periods`);
  }
}
