import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A technician takes jobs only once its profile is complete for them (README "Technician
 * location"): the brands it repairs on file and its payee details submitted.
 * `technician_presence.payee_details_at` is when the technician first submitted payee details
 * (payouts tells the technicians module, in the submission's transaction); backfilled from the
 * submissions already made. Technicians active today without a complete profile go inactive (they
 * cannot go active again until it is complete): from here on, active implies ready.
 */
export class TechnicianReadiness1764580000000 implements MigrationInterface {
  name = 'TechnicianReadiness1764580000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE technician_presence ADD COLUMN payee_details_at timestamptz`);
    await q.query(`
      INSERT INTO technician_presence (technician_id, payee_details_at)
      SELECT payee_id, min(submitted_at) FROM payee_settlement_details
       WHERE payee_kind = 'technician' GROUP BY payee_id
      ON CONFLICT (technician_id) DO UPDATE SET payee_details_at = EXCLUDED.payee_details_at`);
    await q.query(`
      UPDATE technician_presence p SET availability = 'inactive', updated_at = now()
       WHERE availability = 'active'
         AND (payee_details_at IS NULL
              OR NOT EXISTS (SELECT 1 FROM users u
                              WHERE u.id = p.technician_id AND cardinality(u.brands) > 0))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE technician_presence DROP COLUMN payee_details_at`);
  }
}
