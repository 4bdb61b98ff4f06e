import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed Route transfers as payment alerts, and the indexes of the refunds and payouts views
 * (src/payments/alerts/, src/payments/views/).
 *
 * - `payment_alerts.kind` gains `transfer_failed` (subject: the sub-order whose escrow hold's Route
 *   transfer is `failed`; reason `transfer` when creating the transfer was refused or its retries
 *   ran out, `lift_hold` when lifting its hold at release was refused).
 * - `escrow_holds_transfer_failed_idx`: the alert scan finds failed transfers every minute.
 * - `refunds_requested_idx`: `GET /admin/refunds`, newest first.
 * - `ledger_entries_money_out_idx`: `GET /admin/payouts`, the settlement and payout entries
 *   (`gateway_settlement`, `payout`) newest first.
 */
export class TransferAlerts1764320000000 implements MigrationInterface {
  name = 'TransferAlerts1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE payment_alerts
        DROP CONSTRAINT payment_alerts_kind_check,
        ADD CONSTRAINT payment_alerts_kind_check
          CHECK (kind IN ('payment_stuck','escrow_sla','transfer_failed'))`);
    await q.query(
      `CREATE INDEX escrow_holds_transfer_failed_idx ON escrow_holds (sub_order_id)
         WHERE transfer_status = 'failed'`,
    );
    await q.query(`CREATE INDEX refunds_requested_idx ON refunds (requested_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX ledger_entries_money_out_idx ON ledger_entries (effective_at DESC, seq DESC)
         WHERE event_type IN ('gateway_settlement','payout')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_entries_money_out_idx`);
    await q.query(`DROP INDEX refunds_requested_idx`);
    await q.query(`DROP INDEX escrow_holds_transfer_failed_idx`);
    await q.query(`DELETE FROM payment_alerts WHERE kind = 'transfer_failed'`);
    await q.query(`
      ALTER TABLE payment_alerts
        DROP CONSTRAINT payment_alerts_kind_check,
        ADD CONSTRAINT payment_alerts_kind_check CHECK (kind IN ('payment_stuck','escrow_sla'))`);
  }
}
