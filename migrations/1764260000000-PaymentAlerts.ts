import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment SLA alerts and the escrow escalation queue (src/payments/alerts/).
 *
 * - `payment_alerts`: one row per alert. `kind` `payment_stuck` (subject: a payment id) or
 *   `escrow_sla` (subject: a sub-order id, whose escrow hold is overdue); `reason` the condition
 *   (`payment_stuck`: the payment's status when opened; `escrow_sla`: `not_shipped` or
 *   `not_released`). At most one open (unresolved) alert per kind and subject. Staff take an alert
 *   (`owner_id`, `acknowledged_at` on the first assignment) and resolve it with a note
 *   (`resolution` `manual`, `resolved_by`); the alert job resolves it itself (`auto`) once the
 *   condition is gone.
 */
export class PaymentAlerts1764260000000 implements MigrationInterface {
  name = 'PaymentAlerts1764260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('payment_stuck','escrow_sla')),
        subject_id uuid NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 40),
        opened_at timestamptz NOT NULL DEFAULT now(),
        owner_id uuid REFERENCES users(id),
        acknowledged_at timestamptz,
        resolved_at timestamptz,
        resolution text CHECK (resolution IN ('auto','manual')),
        resolved_by uuid REFERENCES users(id),
        note text CHECK (length(note) <= 2000),
        CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
        CHECK (resolution IS DISTINCT FROM 'manual' OR resolved_by IS NOT NULL),
        CHECK ((owner_id IS NULL) = (acknowledged_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX payment_alerts_open_idx ON payment_alerts (kind, subject_id) WHERE resolved_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX payment_alerts_opened_idx ON payment_alerts (opened_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX payment_alerts_subject_idx ON payment_alerts (kind, subject_id, reason)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payment_alerts`);
  }
}
