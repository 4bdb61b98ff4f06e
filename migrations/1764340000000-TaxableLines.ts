import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TCS on each line's own taxable value, and delivery taxed with the goods (ledger-spec/recipes.md §3).
 *
 * - `order_lines.delivery_share_paise`: the line's part of its sub-order's delivery charge (pro rata
 *   to the lines' item taxable value, largest remainder); the line's taxable value and GST are on
 *   its total plus that share. Lines of earlier orders keep 0 (their invoices did not tax delivery).
 * - `escrow_holds.taxable_basis`: how a release found the TCS base — `lines` (each released line at
 *   its own GST rate, delivery included) or `schedule` (the whole amount at the supply GST schedule's
 *   rate, the rule before this migration: every hold released before it).
 * - `tcs_corrections`: maker-checker runs that move releases posted on the `schedule` basis to the
 *   `lines` basis, posting the TCS difference per release (`tcs_correction_items`, the report).
 */
export class TaxableLines1764340000000 implements MigrationInterface {
  name = 'TaxableLines1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE order_lines ADD COLUMN delivery_share_paise bigint NOT NULL DEFAULT 0
         CHECK (delivery_share_paise >= 0)`,
    );
    await q.query(`
      DO $$
      DECLARE c text;
      BEGIN
        FOR c IN SELECT conname FROM pg_constraint
                 WHERE conrelid = 'order_lines'::regclass AND contype = 'c'
                   AND pg_get_constraintdef(oid) LIKE '%taxable_value_paise + cgst_paise%'
        LOOP
          EXECUTE format('ALTER TABLE order_lines DROP CONSTRAINT %I', c);
        END LOOP;
      END $$`);
    await q.query(
      `ALTER TABLE order_lines ADD CONSTRAINT order_lines_tax_adds_up
         CHECK (taxable_value_paise + cgst_paise + sgst_paise + igst_paise = line_total_paise + delivery_share_paise)`,
    );
    await q.query(
      `ALTER TABLE escrow_holds ADD COLUMN taxable_basis text CHECK (taxable_basis IN ('lines','schedule'))`,
    );
    await q.query(
      `UPDATE escrow_holds SET taxable_basis = 'schedule' WHERE released_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE tcs_corrections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','approved','rejected')),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        proposed_by uuid NOT NULL REFERENCES users(id),
        proposed_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        decision_reason text,
        CHECK ((status = 'proposed') = (decided_by IS NULL))
      )`);
    await q.query(`
      CREATE TABLE tcs_correction_items (
        correction_id uuid NOT NULL REFERENCES tcs_corrections(id),
        sub_order_id uuid NOT NULL REFERENCES sub_orders(id),
        order_id uuid NOT NULL REFERENCES orders(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        released_at timestamptz NOT NULL,
        released_paise bigint NOT NULL,
        refunded_after_release_paise bigint NOT NULL,
        taxable_before_paise bigint NOT NULL,
        taxable_after_paise bigint NOT NULL,
        tcs_before_paise bigint NOT NULL,
        tcs_after_paise bigint NOT NULL,
        -- tcs_after − tcs_before: > 0 withheld from the dealer's payable, < 0 given back to it.
        difference_paise bigint NOT NULL,
        from_receivable_paise bigint NOT NULL DEFAULT 0,
        -- Set by the approval: the release is on the lines basis from then on (entry_key when
        -- something was posted, NULL for a difference of 0).
        applied_at timestamptz,
        entry_key text,
        PRIMARY KEY (correction_id, sub_order_id)
      )`);
    // A release is corrected once.
    await q.query(
      `CREATE UNIQUE INDEX tcs_correction_items_applied_idx ON tcs_correction_items (sub_order_id)
         WHERE applied_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tcs_correction_items, tcs_corrections`);
    await q.query(`ALTER TABLE escrow_holds DROP COLUMN taxable_basis`);
    await q.query(`ALTER TABLE order_lines DROP CONSTRAINT order_lines_tax_adds_up`);
    await q.query(`ALTER TABLE order_lines DROP COLUMN delivery_share_paise`);
    await q.query(
      `ALTER TABLE order_lines ADD CHECK (taxable_value_paise + cgst_paise + sgst_paise + igst_paise = line_total_paise)`,
    );
  }
}
