import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds to buyers. A refund is decided in the transaction of its cause (a paid sub-order
 * cancelled: its escrow hold; money captured for an order that could no longer be paid, a second
 * payment of a paid order, the excess of a payment over what was payable), stored as `requested`,
 * then sent to the gateway by a job with the refund's id as Razorpay's refund idempotency key, and
 * posted to the ledger when the gateway reports it processed (void of the hold, Dr escrow / Cr
 * gateway receivable). Status only moves forward: requested → processing → processed, or → failed.
 */
export class Refunds1764270000000 implements MigrationInterface {
  name = 'Refunds1764270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refunds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL REFERENCES payments(id),
        order_id uuid NOT NULL REFERENCES orders(id),
        -- The sub-order whose escrow hold this refund returns (cancellations); NULL for money that was
        -- never held for a dealer (unpayable, duplicate, excess).
        sub_order_id uuid REFERENCES sub_orders(id),
        kind text NOT NULL CHECK (kind IN ('cancellation','unpayable','duplicate','excess')),
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        status text NOT NULL DEFAULT 'requested'
          CHECK (status IN ('requested','processing','processed','failed')),
        gateway_refund_id text UNIQUE,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        requested_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'cancellation') = (sub_order_id IS NOT NULL))
      )`);
    // One refund per cancelled sub-order; one per unpayable/duplicate/excess payment.
    await q.query(
      `CREATE UNIQUE INDEX refunds_sub_order_idx ON refunds (sub_order_id) WHERE sub_order_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX refunds_payment_kind_idx ON refunds (payment_id, kind) WHERE sub_order_id IS NULL`,
    );
    await q.query(`CREATE INDEX refunds_order_idx ON refunds (order_id, requested_at)`);
    await q.query(
      `CREATE INDEX refunds_open_idx ON refunds (requested_at) WHERE status IN ('requested','processing')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refunds`);
  }
}
