import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The amount of each escrow hold's Route transfer, kept apart from the hold's amount: a buyer may
 * cancel lines of a part after its escrow was transferred (on hold) to the dealer's linked account,
 * which cuts the hold (`amount_paise`) while the transfer keeps its amount and is partly reversed
 * (README "Refunds before release"). The Route release, the reversal target of refunds after release
 * and the daily reconciliation work from the transfer's amount.
 *
 * - `escrow_holds.transfer_amount_paise`: set with `transfer_id`, never without it. Holds transferred
 *   before this migration were transferred whole and never cut since (line cancellation was refused
 *   once transferred), so their transfer amount is their amount.
 */
export class RouteTransferAmounts1764365000000 implements MigrationInterface {
  name = 'RouteTransferAmounts1764365000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE escrow_holds ADD COLUMN transfer_amount_paise bigint CHECK (transfer_amount_paise > 0)`,
    );
    await q.query(
      `UPDATE escrow_holds SET transfer_amount_paise = amount_paise WHERE transfer_id IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE escrow_holds ADD CONSTRAINT escrow_holds_transfer_amount_check
        CHECK ((transfer_id IS NULL) = (transfer_amount_paise IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE escrow_holds DROP CONSTRAINT escrow_holds_transfer_amount_check,
        DROP COLUMN transfer_amount_paise`);
  }
}
