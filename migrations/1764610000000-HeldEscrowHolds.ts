import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The held escrow holds, indexed apart from the released and refunded history: the refunds job's
 * cancellation sweep (every minute, src/payments/refunds.service.ts) reads every held hold and asks
 * each obligation's owner which are cancelled, so it reads what is held today, never a scan that
 * grows with every hold ever released.
 */
export class HeldEscrowHolds1764610000000 implements MigrationInterface {
  name = 'HeldEscrowHolds1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX escrow_holds_held_idx ON escrow_holds (id) WHERE status = 'held'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX escrow_holds_held_idx`);
  }
}
