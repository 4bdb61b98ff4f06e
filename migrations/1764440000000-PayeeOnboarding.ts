import type { MigrationInterface, QueryRunner } from 'typeorm';
import { makeAppendOnly } from './support/append-only.js';

/**
 * Payee onboarding as Razorpay Route needs it (README "Payee onboarding"), for any payee (a dealer
 * now, a technician next).
 *
 * - `dealer_route_accounts` becomes `payee_route_accounts` keyed by (`payee_kind`, `payee_id`); every
 *   row is kept (all of today's are dealers). Its lifecycle follows Route's steps: pending → account_created →
 *   stakeholder_created → product_requested → product_configured → activated, or needs_clarification
 *   (Razorpay asks for more) / failed. Today's statuses map: creating (a call in flight, which adopts
 *   the account on retry) → pending, created → account_created, activated and failed unchanged (an
 *   account Razorpay activated before this keeps receiving transfers). New columns: the stakeholder,
 *   the Route product and Razorpay's activation_status of it. Every status change writes a row of
 *   `payee_route_account_history` (append-only).
 * - `dealer_route_accounts` stays as a view of the dealers' rows (dealer_id = payee_id) for the Route
 *   transfers and settlements, which still find a dealer's account by dealer id.
 * - `payee_settlement_details`: what a payee submitted (PAN, GSTIN, legal business type, settlement
 *   bank account: the account number encrypted by the application, its last 4 digits kept for the
 *   masked view) and its review: `pending` until staff (never the payee) approve or reject it; a newer
 *   submission supersedes a pending one; the newest approved row is the one in use.
 */
export class PayeeOnboarding1764440000000 implements MigrationInterface {
  name = 'PayeeOnboarding1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dealer_route_accounts RENAME TO payee_route_accounts`);
    await q.query(`ALTER TABLE payee_route_accounts RENAME COLUMN dealer_id TO payee_id`);
    await q.query(
      `ALTER INDEX dealer_route_accounts_status_idx RENAME TO payee_route_accounts_status_idx`,
    );
    await q.query(`
      ALTER TABLE payee_route_accounts
        DROP CONSTRAINT dealer_route_accounts_status_check,
        DROP CONSTRAINT dealer_route_accounts_check,
        DROP CONSTRAINT dealer_route_accounts_pkey,
        ADD COLUMN payee_kind text NOT NULL DEFAULT 'dealer' CHECK (payee_kind IN ('dealer','technician')),
        ADD COLUMN stakeholder_id text,
        ADD COLUMN product_id text,
        ADD COLUMN activation_status text`);
    await q.query(`ALTER TABLE payee_route_accounts ALTER COLUMN payee_kind DROP DEFAULT`);
    await q.query(`
      UPDATE payee_route_accounts SET status = CASE status
        WHEN 'creating' THEN 'pending' WHEN 'created' THEN 'account_created' ELSE status END`);
    await q.query(`
      ALTER TABLE payee_route_accounts
        ADD PRIMARY KEY (payee_kind, payee_id),
        ADD CONSTRAINT payee_route_accounts_payee_key UNIQUE (payee_id),
        ADD CONSTRAINT payee_route_accounts_status_check CHECK (status IN ('pending','account_created',
          'stakeholder_created','product_requested','product_configured','activated',
          'needs_clarification','failed')),
        ADD CONSTRAINT payee_route_accounts_steps_check CHECK (
          (status IN ('pending','failed') OR gateway_account_id IS NOT NULL)
          AND (status NOT IN ('stakeholder_created','product_requested','product_configured') OR stakeholder_id IS NOT NULL)
          AND (status NOT IN ('product_requested','product_configured','needs_clarification') OR product_id IS NOT NULL))`);
    await q.query(`
      CREATE TABLE payee_route_account_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        payee_id uuid NOT NULL REFERENCES users(id),
        event text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL,
        detail text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX payee_route_account_history_idx ON payee_route_account_history (payee_id, id)`,
    );
    await makeAppendOnly(q, 'payee_route_account_history');
    await q.query(`
      CREATE VIEW dealer_route_accounts AS
      SELECT payee_id AS dealer_id, reference_id, status, gateway_account_id, attempts, last_error,
             activated_at, created_at, updated_at
      FROM payee_route_accounts WHERE payee_kind = 'dealer'`);

    await q.query(`
      CREATE TABLE payee_settlement_details (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payee_id uuid NOT NULL REFERENCES users(id),
        payee_kind text NOT NULL CHECK (payee_kind IN ('dealer','technician')),
        pan text NOT NULL CHECK (pan ~ '^[A-Z]{5}[0-9]{4}[A-Z]$'),
        gstin text CHECK (gstin ~ '^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$' AND substr(gstin, 3, 10) = pan),
        business_type text NOT NULL,
        beneficiary_name text NOT NULL CHECK (length(beneficiary_name) BETWEEN 4 AND 120),
        ifsc text NOT NULL CHECK (ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
        account_number_sealed text NOT NULL CHECK (account_number_sealed LIKE 'v1.%'),
        account_last4 text NOT NULL CHECK (account_last4 ~ '^[0-9]{4}$'),
        account_length smallint NOT NULL CHECK (account_length BETWEEN 9 AND 18),
        registered_address jsonb,
        review_status text NOT NULL DEFAULT 'pending'
          CHECK (review_status IN ('pending','approved','rejected','superseded')),
        submitted_by uuid NOT NULL REFERENCES users(id),
        submitted_at timestamptz NOT NULL DEFAULT now(),
        reviewed_by uuid REFERENCES users(id),
        reviewed_at timestamptz,
        review_reason text,
        CHECK ((review_status IN ('approved','rejected')) = (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)),
        CHECK (reviewed_by IS NULL OR reviewed_by <> payee_id)
      )`);
    await q.query(`
      CREATE UNIQUE INDEX payee_settlement_details_one_pending
        ON payee_settlement_details (payee_id) WHERE review_status = 'pending'`);
    await q.query(`
      CREATE INDEX payee_settlement_details_approved_idx
        ON payee_settlement_details (payee_id, reviewed_at DESC) WHERE review_status = 'approved'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payee_settlement_details`);
    await q.query(`DROP VIEW dealer_route_accounts`);
    await q.query(`DROP TABLE payee_route_account_history`);
    await q.query(`DELETE FROM payee_route_accounts WHERE payee_kind <> 'dealer'`);
    await q.query(`
      ALTER TABLE payee_route_accounts
        DROP CONSTRAINT payee_route_accounts_steps_check,
        DROP CONSTRAINT payee_route_accounts_status_check,
        DROP CONSTRAINT payee_route_accounts_payee_key,
        DROP CONSTRAINT payee_route_accounts_pkey`);
    await q.query(`
      UPDATE payee_route_accounts SET status = CASE
        WHEN status IN ('pending','activated','failed') THEN status ELSE 'created' END`);
    await q.query(`
      ALTER TABLE payee_route_accounts
        DROP COLUMN activation_status, DROP COLUMN product_id, DROP COLUMN stakeholder_id,
        DROP COLUMN payee_kind,
        ADD CONSTRAINT dealer_route_accounts_pkey PRIMARY KEY (payee_id),
        ADD CONSTRAINT dealer_route_accounts_status_check
          CHECK (status IN ('pending','creating','created','activated','failed')),
        ADD CONSTRAINT dealer_route_accounts_check
          CHECK (status NOT IN ('created','activated') OR gateway_account_id IS NOT NULL)`);
    await q.query(`ALTER TABLE payee_route_accounts RENAME COLUMN payee_id TO dealer_id`);
    await q.query(
      `ALTER INDEX payee_route_accounts_status_idx RENAME TO dealer_route_accounts_status_idx`,
    );
    await q.query(`ALTER TABLE payee_route_accounts RENAME TO dealer_route_accounts`);
  }
}
