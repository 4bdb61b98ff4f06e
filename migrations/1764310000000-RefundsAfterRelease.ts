import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds after release (ledger-spec/recipes.md §6–7, src/payments/refunds-after-release.service.ts):
 * staff refund part or all of a sub-order whose escrow was already released to its dealer. Each is a
 * `refunds` row of kind `after_release` (several per sub-order; their sum never exceeds what was
 * released), sent by the refunds job and posted (`refundAfterRelease`, the dealer's share clawed back)
 * when processed. `reason` and `requested_by` keep the staff decision with the row.
 */
export class RefundsAfterRelease1764310000000 implements MigrationInterface {
  name = 'RefundsAfterRelease1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD COLUMN reason text CHECK (length(reason) BETWEEN 1 AND 1000),
        ADD COLUMN requested_by uuid REFERENCES users(id),
        ADD CONSTRAINT refunds_kind_check
          CHECK (kind IN ('cancellation','unpayable','duplicate','excess','partial','after_release')),
        ADD CONSTRAINT refunds_check
          CHECK ((kind IN ('cancellation','partial','after_release')) = (sub_order_id IS NOT NULL)),
        ADD CONSTRAINT refunds_after_release_check
          CHECK ((kind = 'after_release') = (requested_by IS NOT NULL AND reason IS NOT NULL))`);
    // One cancellation or partial refund per sub-order; refunds after release may be several.
    await q.query(`DROP INDEX refunds_sub_order_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_sub_order_idx ON refunds (sub_order_id)
         WHERE sub_order_id IS NOT NULL AND kind <> 'after_release'`,
    );
    await q.query(
      `CREATE INDEX refunds_after_release_idx ON refunds (sub_order_id, requested_at)
         WHERE kind = 'after_release'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM refunds WHERE kind = 'after_release'`);
    await q.query(`DROP INDEX refunds_after_release_idx`);
    await q.query(`DROP INDEX refunds_sub_order_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_sub_order_idx ON refunds (sub_order_id) WHERE sub_order_id IS NOT NULL`,
    );
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_after_release_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        DROP COLUMN reason,
        DROP COLUMN requested_by,
        ADD CONSTRAINT refunds_kind_check
          CHECK (kind IN ('cancellation','unpayable','duplicate','excess','partial')),
        ADD CONSTRAINT refunds_check
          CHECK ((kind IN ('cancellation','partial')) = (sub_order_id IS NOT NULL))`);
  }
}
