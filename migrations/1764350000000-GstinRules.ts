import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One dealer account and one business account per GSTIN (src/identity/, README "GSTIN rules").
 *
 * - `billing_address` (jsonb, like `pickup_address`): a business buyer's billing address, in its
 *   GSTIN's state; the place of supply of its orders. Accounts from before have none (the signup
 *   requires it; no CHECK, which an UPDATE of such an old row would trip).
 * - `gstin_duplicate_of`: accounts that shared a GSTIN with an older account of the same kind
 *   before this migration point at the oldest one (by created_at, id), which keeps the GSTIN; staff
 *   see the flag in the account view. Nothing but this migration sets it.
 * - Partial unique indexes on `gstin`, one per kind (dealer, business), over the accounts not
 *   flagged: a GSTIN may hold one dealer and one business account, and concurrent signups with the
 *   same GSTIN make one account (the other's INSERT meets the index). Flagging first means the
 *   migration succeeds on a database with duplicates.
 */
export class GstinRules1764350000000 implements MigrationInterface {
  name = 'GstinRules1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN billing_address jsonb,
        ADD COLUMN gstin_duplicate_of uuid REFERENCES users(id),
        ADD CONSTRAINT users_gstin_duplicate_of_check
          CHECK (gstin_duplicate_of IS NULL OR (gstin_duplicate_of <> id AND role IN ('dealer','business')))`);
    await q.query(`
      UPDATE users u SET gstin_duplicate_of = f.first_id
        FROM (SELECT id, first_value(id) OVER (PARTITION BY role, gstin ORDER BY created_at, id) AS first_id
                FROM users WHERE role IN ('dealer','business') AND gstin IS NOT NULL) f
       WHERE u.id = f.id AND f.first_id <> f.id`);
    for (const role of ['dealer', 'business']) {
      await q.query(
        `CREATE UNIQUE INDEX users_${role}_gstin_key ON users (gstin)
           WHERE role = '${role}' AND gstin_duplicate_of IS NULL`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX users_dealer_gstin_key, users_business_gstin_key`);
    await q.query(`ALTER TABLE users DROP COLUMN gstin_duplicate_of, DROP COLUMN billing_address`);
  }
}
