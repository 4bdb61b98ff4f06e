import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A buyer cancels whole lines of a sub-order before it ships (README "Orders and checkout").
 *
 * - `order_lines.status`: `active` or `cancelled`, with who (`cancelled_by`) and when
 *   (`cancelled_at`). Release and invoicing exclude `status = 'cancelled'` lines. The table stays
 *   append-only otherwise: its trigger now lets one UPDATE through — `active` → `cancelled`, the
 *   three cancellation columns only, nothing else of the snapshot — and the app role is granted
 *   UPDATE on those three columns alone. DELETE and TRUNCATE are still refused.
 * - `refunds.kind = 'line_cancellation'`: the cancelled lines' refund of a paid sub-order, several
 *   per sub-order; its ledger entry (recipe §4, partial) is posted in the cancellation's
 *   transaction, so the refund row only sends the money back through the gateway (like `partial`).
 *   One `cancellation` or `partial` refund per sub-order, as before.
 */
export class OrderLineCancellations1764360000000 implements MigrationInterface {
  name = 'OrderLineCancellations1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE order_lines
        ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled')),
        ADD COLUMN cancelled_at timestamptz,
        ADD COLUMN cancelled_by uuid REFERENCES users(id),
        ADD CONSTRAINT order_lines_cancelled_check
          CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL))`);
    await q.query(`
      CREATE FUNCTION order_lines_only_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.status = 'active' AND NEW.status = 'cancelled'
           AND (to_jsonb(NEW) - 'status' - 'cancelled_at' - 'cancelled_by')
             = (to_jsonb(OLD) - 'status' - 'cancelled_at' - 'cancelled_by') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'table order_lines is append-only: % is not allowed (a line may only be marked cancelled, once)', TG_OP
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`DROP TRIGGER order_lines_append_only ON order_lines`);
    await q.query(`
      CREATE TRIGGER order_lines_append_only BEFORE UPDATE OR DELETE ON order_lines
      FOR EACH ROW EXECUTE FUNCTION order_lines_only_cancel()`);
    await q.query(`
      DO $$
      DECLARE g record;
      BEGIN
        FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                 WHERE table_schema = 'public' AND table_name = 'order_lines'
                   AND privilege_type = 'INSERT' AND grantee <> current_user
        LOOP
          EXECUTE format('GRANT UPDATE (status, cancelled_at, cancelled_by) ON order_lines TO %I', g.grantee);
        END LOOP;
      END $$`);

    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('cancellation','unpayable','duplicate',
          'excess','partial','after_release','line_cancellation')),
        ADD CONSTRAINT refunds_check CHECK ((kind IN ('cancellation','partial','after_release',
          'line_cancellation')) = (sub_order_id IS NOT NULL))`);
    await q.query(`DROP INDEX refunds_sub_order_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_sub_order_idx ON refunds (sub_order_id)
         WHERE sub_order_id IS NOT NULL AND kind IN ('cancellation','partial')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM refunds WHERE kind = 'line_cancellation'`);
    await q.query(`DROP INDEX refunds_sub_order_idx`);
    await q.query(
      `CREATE UNIQUE INDEX refunds_sub_order_idx ON refunds (sub_order_id)
         WHERE sub_order_id IS NOT NULL AND kind <> 'after_release'`,
    );
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_kind_check
          CHECK (kind IN ('cancellation','unpayable','duplicate','excess','partial','after_release')),
        ADD CONSTRAINT refunds_check
          CHECK ((kind IN ('cancellation','partial','after_release')) = (sub_order_id IS NOT NULL))`);

    await q.query(`DROP TRIGGER order_lines_append_only ON order_lines`);
    await q.query(`
      CREATE TRIGGER order_lines_append_only BEFORE UPDATE OR DELETE ON order_lines
      FOR EACH ROW EXECUTE FUNCTION reject_append_only_change()`);
    await q.query(`DROP FUNCTION order_lines_only_cancel()`);
    await q.query(`
      DO $$
      DECLARE g record;
      BEGIN
        FOR g IN SELECT DISTINCT grantee FROM information_schema.column_privileges
                 WHERE table_schema = 'public' AND table_name = 'order_lines'
                   AND privilege_type = 'UPDATE' AND grantee <> current_user
        LOOP
          EXECUTE format('REVOKE UPDATE (status, cancelled_at, cancelled_by) ON order_lines FROM %I', g.grantee);
        END LOOP;
      END $$`);
    await q.query(`
      ALTER TABLE order_lines DROP CONSTRAINT order_lines_cancelled_check,
        DROP COLUMN cancelled_by, DROP COLUMN cancelled_at, DROP COLUMN status`);
  }
}
