import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks confirmed with the gateway before they move money or state (src/payments/webhooks/).
 *
 * - `webhook_inbox.id`: a uuid per event, the subject of its alert.
 * - `webhook_inbox.status` gains `rejected`: the gateway does not know the event's object
 *   (`rejection` `unknown_at_gateway`) or says something else than the signed payload, or than our
 *   records (`mismatch`); `last_error` says what differed. Nothing was applied; the event is kept.
 * - `payment_alerts.kind` gains `webhook_rejected` (subject: the webhook inbox row; reason: its
 *   `rejection`), and every alert may carry a `detail` sentence for staff.
 */
export class WebhookVerification1764370000000 implements MigrationInterface {
  name = 'WebhookVerification1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_inbox
        ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        ADD COLUMN rejection text CHECK (rejection IN ('unknown_at_gateway','mismatch')),
        DROP CONSTRAINT webhook_inbox_status_check,
        ADD CONSTRAINT webhook_inbox_status_check
          CHECK (status IN ('received','processed','deferred','failed','rejected')),
        ADD CONSTRAINT webhook_inbox_rejected_check CHECK ((status = 'rejected') = (rejection IS NOT NULL))`);
    await q.query(
      `CREATE INDEX webhook_inbox_rejected_idx ON webhook_inbox (received_at) WHERE status = 'rejected'`,
    );
    await q.query(`
      ALTER TABLE payment_alerts
        ADD COLUMN detail text CHECK (length(detail) <= 2000),
        DROP CONSTRAINT payment_alerts_kind_check,
        ADD CONSTRAINT payment_alerts_kind_check
          CHECK (kind IN ('payment_stuck','escrow_sla','transfer_failed','webhook_rejected'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM payment_alerts WHERE kind = 'webhook_rejected'`);
    await q.query(`
      ALTER TABLE payment_alerts
        DROP COLUMN detail,
        DROP CONSTRAINT payment_alerts_kind_check,
        ADD CONSTRAINT payment_alerts_kind_check
          CHECK (kind IN ('payment_stuck','escrow_sla','transfer_failed'))`);
    await q.query(`DROP INDEX webhook_inbox_rejected_idx`);
    // A rejected event goes back to failed (with its reason in last_error): nothing was applied.
    await q.query(`UPDATE webhook_inbox SET status = 'failed' WHERE status = 'rejected'`);
    await q.query(`
      ALTER TABLE webhook_inbox
        DROP CONSTRAINT webhook_inbox_rejected_check,
        DROP COLUMN rejection,
        DROP COLUMN id,
        DROP CONSTRAINT webhook_inbox_status_check,
        ADD CONSTRAINT webhook_inbox_status_check
          CHECK (status IN ('received','processed','deferred','failed'))`);
  }
}
