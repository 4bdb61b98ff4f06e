import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Commission invoice numbers within GST's 16 characters (CGST Rules, rule 46(b)):
 * `FB/<yy-yy>/<7-digit sequence>`, e.g. `FB/26-27/0000001` (was `FB/2026-27/000001`, 17). The new
 * rule holds for rows written from now on (NOT VALID: numbers already issued stay as issued).
 */
export class InvoiceNumbersSixteen1764746000000 implements MigrationInterface {
  name = 'InvoiceNumbersSixteen1764746000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE commission_invoices
      DROP CONSTRAINT commission_invoices_check,
      DROP CONSTRAINT commission_invoices_seq_check,
      ADD CONSTRAINT commission_invoices_number_check CHECK (
        invoice_number = 'FB/' || substr(financial_year, 3) || '/' || lpad(seq::text, 7, '0')
        AND length(invoice_number) <= 16) NOT VALID,
      ADD CONSTRAINT commission_invoices_seq_check CHECK (seq >= 1 AND seq <= 9999999)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE commission_invoices
      DROP CONSTRAINT commission_invoices_number_check,
      DROP CONSTRAINT commission_invoices_seq_check,
      ADD CONSTRAINT commission_invoices_check
        CHECK (invoice_number = 'FB/' || financial_year || '/' || lpad(seq::text, 6, '0')) NOT VALID,
      ADD CONSTRAINT commission_invoices_seq_check CHECK (seq >= 1 AND seq <= 999999) NOT VALID`);
  }
}
