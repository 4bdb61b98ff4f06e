import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Commission configured by finance (src/payments/commission/), and the data of the GST tax invoice
 * the platform issues to the dealer for the commission of each release.
 *
 * - `commission_rules`: append-only, effective-dated. A change is a new row effective from an IST
 *   date; the rule in force for a sub-order is the most specific one (dealer + category > dealer >
 *   category > default; a channel-specific rule beats `any`) with the latest `effective_from` on or
 *   before the release's IST date.
 * - `commission_invoice_counters`: one row per Indian financial year (April–March, IST), locked by
 *   the release transaction that takes the next number, so numbers are gapless within a year.
 * - `commission_invoices`: append-only, one per released sub-order, written in the release's
 *   transaction.
 */
export class CommissionRules1764300000000 implements MigrationInterface {
  name = 'CommissionRules1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE commission_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        scope text NOT NULL CHECK (scope IN ('default','category','dealer')),
        category text CHECK (category IN ('display','battery','charging_port','camera',
          'back_panel','speaker','microphone','ic','flex_cable','housing','button','sim_tray',
          'vibrator','tool','other')),
        dealer_id uuid REFERENCES users(id),
        channel text NOT NULL CHECK (channel IN ('b2b','b2c','any')),
        rate numeric(6,4) NOT NULL CHECK (rate >= 0 AND rate < 1),
        effective_from date NOT NULL,
        created_by uuid NOT NULL REFERENCES users(id),
        reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (scope <> 'default' OR (category IS NULL AND dealer_id IS NULL)),
        CHECK (scope <> 'category' OR (category IS NOT NULL AND dealer_id IS NULL)),
        CHECK (scope <> 'dealer' OR dealer_id IS NOT NULL)
      )`);
    await q.query(
      `CREATE INDEX commission_rules_lookup_idx
         ON commission_rules (scope, dealer_id, category, channel, effective_from DESC, created_at DESC)`,
    );
    await makeAppendOnly(q, 'commission_rules');

    await q.query(`
      CREATE TABLE commission_invoice_counters (
        financial_year text PRIMARY KEY CHECK (financial_year ~ '^[0-9]{4}-[0-9]{2}$'),
        last_seq integer NOT NULL CHECK (last_seq >= 0)
      )`);

    await q.query(`
      CREATE TABLE commission_invoices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        invoice_number text NOT NULL UNIQUE,
        financial_year text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1 AND seq <= 999999),
        sub_order_id uuid NOT NULL UNIQUE REFERENCES sub_orders(id),
        order_id uuid NOT NULL REFERENCES orders(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        dealer_gstin text NOT NULL,
        platform_gstin text NOT NULL,
        supply text NOT NULL CHECK (supply IN ('intra_state','inter_state')),
        channel text NOT NULL CHECK (channel IN ('b2b','b2c')),
        category text,
        commission_rate numeric(6,4) NOT NULL,
        -- The rule applied; NULL = no rule in force, ledger-spec/rates.json commission.parts.
        rule_id uuid REFERENCES commission_rules(id),
        taxable_value_paise bigint NOT NULL CHECK (taxable_value_paise >= 0),
        gst_rate numeric(6,4) NOT NULL,
        cgst_paise bigint NOT NULL CHECK (cgst_paise >= 0),
        sgst_paise bigint NOT NULL CHECK (sgst_paise >= 0),
        igst_paise bigint NOT NULL CHECK (igst_paise >= 0),
        total_paise bigint NOT NULL,
        release_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (financial_year, seq),
        CHECK (invoice_number = 'FB/' || financial_year || '/' || lpad(seq::text, 6, '0')),
        CHECK (total_paise = taxable_value_paise + cgst_paise + sgst_paise + igst_paise),
        CHECK (supply = 'intra_state' OR (cgst_paise = 0 AND sgst_paise = 0)),
        CHECK (supply = 'inter_state' OR igst_paise = 0)
      )`);
    await q.query(
      `CREATE INDEX commission_invoices_dealer_idx ON commission_invoices (dealer_id, financial_year, seq DESC)`,
    );
    await makeAppendOnly(q, 'commission_invoices');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE commission_invoices`);
    await q.query(`DROP TABLE commission_invoice_counters`);
    await q.query(`DROP TABLE commission_rules`);
  }
}
