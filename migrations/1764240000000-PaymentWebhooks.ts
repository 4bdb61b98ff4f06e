import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox of payment-gateway webhooks (Razorpay): one row per event, deduplicated by its id, written
 * in the same transaction as the pg-boss job that processes it.
 *
 * - `event_id`: the `X-Razorpay-Event-Id` header; when a delivery lacks it, `body-sha256:<hex>` of
 *   the raw body (a redelivery carries the same bytes, so it still deduplicates).
 * - `status`: received → processed, or → deferred (waiting for a prerequisite, or retrying after a
 *   handler error; `process_after` says when) → … → processed | failed (`last_error`).
 *   `outcome` says whether a handler ran (`handled`) or none is registered for the event (`ignored`).
 * - `attempts` counts every processing run, `failures` the runs whose handler threw.
 */
export class PaymentWebhooks1764240000000 implements MigrationInterface {
  name = 'PaymentWebhooks1764240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_inbox (
        event_id text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
        gateway text NOT NULL DEFAULT 'razorpay',
        event text NOT NULL,
        account_id text,
        payload jsonb NOT NULL,
        body_sha256 text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
        -- The event's own created_at (Razorpay's unix time), when it has one.
        event_created_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'received'
          CHECK (status IN ('received','processed','deferred','failed')),
        outcome text CHECK (outcome IN ('handled','ignored')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
        last_error text,
        processed_at timestamptz,
        process_after timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'processed') = (processed_at IS NOT NULL)),
        CHECK ((status = 'processed') = (outcome IS NOT NULL))
      )`);
    // What the processor and the sweeper look for: rows still to process, by when they may be.
    await q.query(
      `CREATE INDEX webhook_inbox_ready_idx ON webhook_inbox (process_after)
        WHERE status IN ('received','deferred')`,
    );
    await q.query(`CREATE INDEX webhook_inbox_event_idx ON webhook_inbox (event, received_at)`);
    await q.query(
      `CREATE INDEX webhook_inbox_failed_idx ON webhook_inbox (received_at) WHERE status = 'failed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_inbox`);
  }
}
