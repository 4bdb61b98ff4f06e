import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns and disputes of a sub-order (src/payments/disputes/): the buyer opens one within the return
 * window, the dealer responds, staff resolve it with a release, a full refund or a partial refund.
 * At most one open (not resolved) dispute per sub-order. Evidence (photos, videos) lives in object
 * storage; `dispute_evidence` keeps its key, type, size and SHA-256.
 *
 * A partial refund is settled at release: `escrow_holds.refund_at_release_paise` is what the release
 * refunds to the buyer (ledger-spec/recipes.md §5), and the release records the gateway refund as a
 * `refunds` row of kind `partial` (its ledger entry is the release's own, never the refund's).
 */
export class Disputes1764290000000 implements MigrationInterface {
  name = 'Disputes1764290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE disputes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sub_order_id uuid NOT NULL REFERENCES sub_orders(id),
        order_id uuid NOT NULL REFERENCES orders(id),
        buyer_id uuid NOT NULL REFERENCES users(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('return','dispute')),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','responded','resolved')),
        dealer_response text CHECK (length(dealer_response) BETWEEN 1 AND 2000),
        responded_at timestamptz,
        resolution text CHECK (resolution IN ('release','full_refund','partial_refund')),
        refund_paise bigint CHECK (refund_paise > 0),
        resolution_reason text,
        resolved_by uuid REFERENCES users(id),
        resolved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'resolved') = (resolution IS NOT NULL)),
        CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
        CHECK ((coalesce(resolution, '') = 'partial_refund') = (refund_paise IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX disputes_open_sub_order_idx ON disputes (sub_order_id) WHERE status <> 'resolved'`,
    );
    await q.query(`CREATE INDEX disputes_status_idx ON disputes (status, created_at, id)`);
    await q.query(`CREATE INDEX disputes_sub_order_idx ON disputes (sub_order_id)`);
    await q.query(`
      CREATE TABLE dispute_evidence (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dispute_id uuid NOT NULL REFERENCES disputes(id),
        storage_key text NOT NULL UNIQUE,
        content_type text NOT NULL
          CHECK (content_type IN ('image/jpeg','image/png','image/webp','video/mp4','video/webm')),
        byte_size integer NOT NULL CHECK (byte_size > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        uploaded_by uuid NOT NULL REFERENCES users(id),
        role text NOT NULL CHECK (role IN ('buyer','dealer','staff')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX dispute_evidence_dispute_idx ON dispute_evidence (dispute_id, created_at)`,
    );
    await q.query(`
      ALTER TABLE escrow_holds ADD COLUMN refund_at_release_paise bigint NOT NULL DEFAULT 0,
        ADD CONSTRAINT escrow_holds_refund_at_release_check
          CHECK (refund_at_release_paise >= 0 AND refund_at_release_paise < amount_paise)`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_kind_check
          CHECK (kind IN ('cancellation','unpayable','duplicate','excess','partial')),
        ADD CONSTRAINT refunds_check
          CHECK ((kind IN ('cancellation','partial')) = (sub_order_id IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM refunds WHERE kind = 'partial'`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check`);
    await q.query(`ALTER TABLE refunds DROP CONSTRAINT refunds_check`);
    await q.query(`
      ALTER TABLE refunds
        ADD CONSTRAINT refunds_kind_check
          CHECK (kind IN ('cancellation','unpayable','duplicate','excess')),
        ADD CONSTRAINT refunds_check CHECK ((kind = 'cancellation') = (sub_order_id IS NOT NULL))`);
    await q.query(`ALTER TABLE escrow_holds DROP COLUMN refund_at_release_paise`);
    await q.query(`DROP TABLE dispute_evidence`);
    await q.query(`DROP TABLE disputes`);
  }
}
