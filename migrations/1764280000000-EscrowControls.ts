import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff controls over escrow (src/payments/escrow-controls/).
 *
 * - `escrow_manual_holds`: one row per manual hold placed on a sub-order's escrow, with who placed it
 *   and why, and who lifted it and why. At most one active (unlifted) hold per sub-order (partial
 *   unique index); the release job skips escrow with an active hold. A separate table rather than
 *   columns on `escrow_holds`: it keeps every placement and lift (a hold can be placed again after
 *   a lift), and leaves the hold row to the release and refund paths.
 * - `escrow_early_releases`: one row per early release (before the return window ends): released at
 *   once (at or below EARLY_RELEASE_APPROVAL_ABOVE_PAISE, or an ops leader's override), or pending
 *   until a different staff member approves (released) or someone rejects it. At most one pending
 *   request per sub-order.
 */
export class EscrowControls1764280000000 implements MigrationInterface {
  name = 'EscrowControls1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE escrow_manual_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sub_order_id uuid NOT NULL REFERENCES escrow_holds(sub_order_id),
        reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
        placed_by uuid NOT NULL REFERENCES users(id),
        placed_at timestamptz NOT NULL DEFAULT now(),
        lift_reason text CHECK (length(lift_reason) BETWEEN 3 AND 1000),
        lifted_by uuid REFERENCES users(id),
        lifted_at timestamptz,
        CHECK ((lifted_at IS NULL) = (lifted_by IS NULL) AND (lifted_at IS NULL) = (lift_reason IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX escrow_manual_holds_active_idx ON escrow_manual_holds (sub_order_id) WHERE lifted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX escrow_manual_holds_sub_order_idx ON escrow_manual_holds (sub_order_id, placed_at)`,
    );

    await q.query(`
      CREATE TABLE escrow_early_releases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sub_order_id uuid NOT NULL REFERENCES escrow_holds(sub_order_id),
        order_id uuid NOT NULL REFERENCES orders(id),
        dealer_id uuid NOT NULL REFERENCES users(id),
        amount_paise bigint NOT NULL CHECK (amount_paise > 0),
        status text NOT NULL CHECK (status IN ('pending','released','rejected')),
        reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
        requested_by uuid NOT NULL REFERENCES users(id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        needs_approval boolean NOT NULL,
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        decision_reason text,
        override boolean NOT NULL DEFAULT false,
        CHECK ((status = 'pending') = (decided_at IS NULL)),
        CHECK ((decided_at IS NULL) = (decided_by IS NULL)),
        CHECK (status <> 'rejected' OR decision_reason IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX escrow_early_releases_pending_idx ON escrow_early_releases (sub_order_id) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX escrow_early_releases_status_idx ON escrow_early_releases (status, requested_at, id)`,
    );
    await q.query(
      `CREATE INDEX escrow_early_releases_list_idx ON escrow_early_releases (requested_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE escrow_early_releases, escrow_manual_holds`);
  }
}
