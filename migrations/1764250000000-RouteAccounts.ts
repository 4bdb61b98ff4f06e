import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Razorpay Route: each dealer's linked account, and the transfer of each escrow hold to it.
 *
 * - `dealer_route_accounts`: one row per approved dealer (the onboarding intent, written in the
 *   approval's transaction). Status: pending → creating (the gateway is being called) → created
 *   (account id recorded, waiting for Razorpay's activation) → activated (webhook); or failed (a
 *   refusal, or retries exhausted; staff retry). `reference_id` is what Razorpay stores as the
 *   account's reference (≤ 20 characters: the first 20 hex digits of the dealer's uuid).
 * - `escrow_holds.transfer_*`: the Route transfer of the hold's amount to the dealer's linked
 *   account, created on hold after the capture and its hold lifted at release. transfer_status:
 *   none (no transfer yet: the dealer's account is not active, or the job has not run) → pending
 *   (intent recorded, gateway called) → on_hold → released; or failed.
 * Approved dealers that exist already get a `pending` row (onboarded when staff retry it).
 */
export class RouteAccounts1764250000000 implements MigrationInterface {
  name = 'RouteAccounts1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dealer_route_accounts (
        dealer_id uuid PRIMARY KEY REFERENCES users(id),
        reference_id text NOT NULL UNIQUE CHECK (length(reference_id) BETWEEN 1 AND 20),
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending','creating','created','activated','failed')),
        gateway_account_id text UNIQUE,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text,
        activated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status NOT IN ('created','activated') OR gateway_account_id IS NOT NULL)
      )`);
    await q.query(
      `CREATE INDEX dealer_route_accounts_status_idx ON dealer_route_accounts (status, created_at, dealer_id)`,
    );
    await q.query(`
      INSERT INTO dealer_route_accounts (dealer_id, reference_id)
      SELECT id, left(replace(id::text, '-', ''), 20) FROM users
      WHERE role = 'dealer' AND status = 'approved'`);

    await q.query(`
      ALTER TABLE escrow_holds
        ADD COLUMN transfer_id text UNIQUE,
        ADD COLUMN transfer_status text NOT NULL DEFAULT 'none'
          CHECK (transfer_status IN ('none','pending','on_hold','released','failed')),
        ADD COLUMN transfer_attempts integer NOT NULL DEFAULT 0 CHECK (transfer_attempts >= 0),
        ADD COLUMN transfer_error text,
        ADD CONSTRAINT escrow_holds_transfer_id_check
          CHECK (transfer_status NOT IN ('on_hold','released') OR transfer_id IS NOT NULL)`);
    await q.query(
      `CREATE INDEX escrow_holds_untransferred_idx ON escrow_holds (dealer_id) WHERE transfer_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX escrow_holds_untransferred_idx`);
    await q.query(`
      ALTER TABLE escrow_holds
        DROP CONSTRAINT escrow_holds_transfer_id_check,
        DROP COLUMN transfer_error, DROP COLUMN transfer_attempts,
        DROP COLUMN transfer_status, DROP COLUMN transfer_id`);
    await q.query(`DROP TABLE dealer_route_accounts`);
  }
}
