import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments of orders through the gateway, and the escrow holds they fund.
 *
 * - `payments`: one row per gateway order created for an order (the intent is stored before the
 *   gateway is called; `gateway_order_id` is filled in once it answers). At most one open payment
 *   per order. Status only moves forward: creating → created → authorized → captured, or → failed.
 * - `escrow_holds`: per sub-order, the part of a captured payment held in escrow for its dealer
 *   (ledger hold `hold:order:<orderId>:<subOrderId>`), until release (with the deductions withheld
 *   and the dealer's net recorded) or refund.
 */
export class Payments1764230000000 implements MigrationInterface {
  name = 'Payments1764230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id),
        buyer_id uuid NOT NULL REFERENCES users(id),
        gateway text NOT NULL DEFAULT 'razorpay',
        gateway_order_id text UNIQUE,
        gateway_payment_id text UNIQUE,
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        status text NOT NULL DEFAULT 'creating'
          CHECK (status IN ('creating','created','authorized','captured','failed')),
        -- Captured after the order could no longer be paid (expired or cancelled): to be refunded.
        unpayable boolean NOT NULL DEFAULT false,
        fee_paise bigint CHECK (fee_paise >= 0),
        fee_tax_paise bigint CHECK (fee_tax_paise >= 0),
        method text,
        failure_code text,
        failure_reason text,
        captured_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX payments_open_idx ON payments (order_id) WHERE status IN ('creating','created','authorized')`,
    );
    await q.query(`CREATE INDEX payments_order_idx ON payments (order_id, created_at)`);
    await q.query(`CREATE INDEX payments_status_idx ON payments (status, created_at)`);

    await q.query(`
      CREATE TABLE escrow_holds (
        sub_order_id uuid PRIMARY KEY REFERENCES sub_orders(id),
        order_id uuid NOT NULL REFERENCES orders(id),
        payment_id uuid NOT NULL REFERENCES payments(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        hold_key text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'held' CHECK (status IN ('held','released','refunded')),
        -- At release: what was withheld from the dealer and what it is owed (integer paise).
        commission_paise bigint,
        gst_on_commission_paise bigint,
        tcs_paise bigint,
        tds_paise bigint,
        dealer_net_paise bigint,
        released_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX escrow_holds_dealer_idx ON escrow_holds (dealer_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE escrow_holds, payments`);
  }
}
