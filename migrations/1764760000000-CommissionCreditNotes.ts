import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Credit notes for commission given back (CGST Act §34): a refund after release that returns part
 * or all of a release's commission (or a repair's service fee) and the GST on it gets a credit note
 * against that release's commission invoice, written in the transaction that posts the refund.
 *
 * - `commission_credit_note_counters`: one row per Indian financial year, locked by the refund that
 *   takes the next number, so numbers are gapless within a year (a series of their own).
 * - `commission_credit_notes`: append-only, at most one per refund; `ledger_entry_key` is the entry
 *   that debits `liability:tax:gst_output` (the refund's clawback, or the reversal of the release's
 *   deductions for a full refund), dated by it (`note_date`: the entry's IST date), so the note and
 *   its entry always fall in the same return period. Number `CN/<yy-yy>/<7 digits>`: 16 characters.
 */
export class CommissionCreditNotes1764760000000 implements MigrationInterface {
  name = 'CommissionCreditNotes1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE commission_credit_note_counters (
        financial_year text PRIMARY KEY CHECK (financial_year ~ '^[0-9]{4}-[0-9]{2}$'),
        last_seq integer NOT NULL CHECK (last_seq >= 0)
      )`);
    await q.query(`
      CREATE TABLE commission_credit_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        note_number text NOT NULL UNIQUE,
        financial_year text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1 AND seq <= 9999999),
        invoice_id uuid NOT NULL REFERENCES commission_invoices(id),
        refund_id uuid NOT NULL UNIQUE REFERENCES refunds(id),
        ledger_entry_key text NOT NULL UNIQUE REFERENCES ledger_entries(id),
        supply text NOT NULL CHECK (supply IN ('intra_state','inter_state')),
        gst_rate numeric(6,4) NOT NULL,
        taxable_value_paise bigint NOT NULL CHECK (taxable_value_paise >= 0),
        cgst_paise bigint NOT NULL CHECK (cgst_paise >= 0),
        sgst_paise bigint NOT NULL CHECK (sgst_paise >= 0),
        igst_paise bigint NOT NULL CHECK (igst_paise >= 0),
        total_paise bigint NOT NULL CHECK (total_paise > 0),
        note_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (financial_year, seq),
        CHECK (note_number = 'CN/' || substr(financial_year, 3) || '/' || lpad(seq::text, 7, '0')),
        CHECK (total_paise = taxable_value_paise + cgst_paise + sgst_paise + igst_paise),
        CHECK (supply = 'intra_state' OR (cgst_paise = 0 AND sgst_paise = 0)),
        CHECK (supply = 'inter_state' OR igst_paise = 0)
      )`);
    await q.query(
      `CREATE INDEX commission_credit_notes_invoice_idx ON commission_credit_notes (invoice_id)`,
    );
    await q.query(
      `CREATE INDEX commission_credit_notes_date_idx ON commission_credit_notes (note_date)`,
    );
    await makeAppendOnly(q, 'commission_credit_notes');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE commission_credit_notes`);
    await q.query(`DROP TABLE commission_credit_note_counters`);
  }
}
