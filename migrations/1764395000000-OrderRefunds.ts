import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What buyers see of their refunds on the order (src/orders/): the payments module reports each
 * processed refund of a sub-order through the orders' payment port (`OrderCommands.recordRefund`).
 *
 * - `sub_orders.refunded_paise`: processed refunds of the sub-order (a cancellation's, a return's or
 *   dispute's, after release).
 * - `orders.refund_status`: `none`, `partial` (some refunded) or `full` (every sub-order that was
 *   paid — it has a `pay` history row — refunded in full). A paid order reads as `paymentStatus`
 *   `partially_refunded` / `refunded` from it; `payment_status` itself stays `paid`.
 *
 * Existing refunds are counted here, as the port would have.
 */
export class OrderRefunds1764395000000 implements MigrationInterface {
  name = 'OrderRefunds1764395000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sub_orders
        ADD COLUMN refunded_paise bigint NOT NULL DEFAULT 0 CHECK (refunded_paise >= 0)`);
    await q.query(`
      ALTER TABLE orders
        ADD COLUMN refund_status text NOT NULL DEFAULT 'none'
          CHECK (refund_status IN ('none','partial','full'))`);
    await q.query(`
      UPDATE sub_orders s SET refunded_paise = r.amount
      FROM (SELECT sub_order_id, sum(amount_paise) AS amount FROM refunds
            WHERE status = 'processed' AND sub_order_id IS NOT NULL GROUP BY sub_order_id) r
      WHERE s.id = r.sub_order_id`);
    await q.query(`
      UPDATE orders o SET refund_status = CASE WHEN EXISTS (
          SELECT 1 FROM sub_orders s WHERE s.order_id = o.id AND s.refunded_paise < s.total_paise
            AND EXISTS (SELECT 1 FROM sub_order_history h WHERE h.sub_order_id = s.id AND h.event = 'pay'))
        THEN 'partial' ELSE 'full' END
      WHERE EXISTS (SELECT 1 FROM sub_orders s WHERE s.order_id = o.id AND s.refunded_paise > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders DROP COLUMN refund_status`);
    await q.query(`ALTER TABLE sub_orders DROP COLUMN refunded_paise`);
  }
}
