import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fraud prevention checks (src/fraud/).
 *
 * - `fraud_order_signals`: what checkout saw of each order — the buyer, the hashed device
 *   fingerprint (`x-device-fingerprint`), the client IP and the order total — so velocity can be
 *   counted per buyer, device and IP (one row per order, written in the checkout's transaction;
 *   orders placed before this migration are copied in without device or IP, so a buyer's order
 *   count starts right).
 * - `fraud_order_holds`: an order held for review (`held`) cannot be accepted by its dealers until
 *   staff clear it (`cleared`) or reject it (`rejected`: the order is cancelled, stock back, payment
 *   refunded). One per order; `decided_*` set with the decision.
 * - `fraud_alerts`: one row per rule hit, with its evidence (matched values, related ids) and what
 *   was done (`held`, `blocked`, `alerted`). Staff take an alert (`owner_id`, `acknowledged_at`) and
 *   resolve it (`dismissed` or `confirmed`, with a note). At most one alert per order and rule, and
 *   one open `refund_abuse` alert per buyer.
 */
export class FraudChecks1764410000000 implements MigrationInterface {
  name = 'FraudChecks1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fraud_order_signals (
        order_id uuid PRIMARY KEY REFERENCES orders(id),
        buyer_id uuid NOT NULL REFERENCES users(id),
        device_fingerprint text CHECK (device_fingerprint ~ '^[0-9a-f]{64}$'),
        ip inet,
        total_paise bigint NOT NULL CHECK (total_paise >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Orders placed before the checks: counted for the buyers' order numbers (no device or IP known).
    await q.query(`
      INSERT INTO fraud_order_signals (order_id, buyer_id, total_paise, created_at)
      SELECT id, buyer_id, total_paise, created_at FROM orders`);
    await q.query(
      `CREATE INDEX fraud_order_signals_buyer_idx ON fraud_order_signals (buyer_id, created_at)`,
    );
    await q.query(
      `CREATE INDEX fraud_order_signals_device_idx ON fraud_order_signals (device_fingerprint, created_at)
       WHERE device_fingerprint IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX fraud_order_signals_ip_idx ON fraud_order_signals (ip, created_at) WHERE ip IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE fraud_order_holds (
        order_id uuid PRIMARY KEY REFERENCES orders(id),
        status text NOT NULL DEFAULT 'held' CHECK (status IN ('held','cleared','rejected')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        decided_by uuid REFERENCES users(id),
        reason text CHECK (length(reason) BETWEEN 1 AND 2000),
        CHECK ((status = 'held') = (decided_at IS NULL)),
        CHECK ((status = 'held') = (decided_by IS NULL))
      )`);
    await q.query(
      `CREATE INDEX fraud_order_holds_status_idx ON fraud_order_holds (status, created_at DESC, order_id DESC)`,
    );

    await q.query(`
      CREATE TABLE fraud_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule text NOT NULL CHECK (rule IN
          ('order_velocity','new_account_high_value','self_dealing','refund_abuse','shared_device_rating')),
        action text NOT NULL CHECK (action IN ('held','blocked','alerted')),
        account_id uuid NOT NULL REFERENCES users(id),
        counterparty_id uuid REFERENCES users(id),
        order_id uuid REFERENCES orders(id),
        evidence jsonb NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        owner_id uuid REFERENCES users(id),
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        resolution text CHECK (resolution IN ('dismissed','confirmed')),
        resolved_by uuid REFERENCES users(id),
        note text CHECK (length(note) BETWEEN 1 AND 2000),
        CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
        CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
        CHECK ((owner_id IS NULL) = (acknowledged_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX fraud_alerts_order_rule_idx ON fraud_alerts (order_id, rule) WHERE order_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX fraud_alerts_refund_open_idx ON fraud_alerts (account_id)
       WHERE rule = 'refund_abuse' AND resolved_at IS NULL`,
    );
    await q.query(`CREATE INDEX fraud_alerts_opened_idx ON fraud_alerts (opened_at DESC, id DESC)`);
    await q.query(`CREATE INDEX fraud_alerts_account_idx ON fraud_alerts (account_id, rule)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fraud_alerts`);
    await q.query(`DROP TABLE fraud_order_holds`);
    await q.query(`DROP TABLE fraud_order_signals`);
  }
}
