import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The extensions every later schema relies on. On the local cluster they are already present in
 * template1 (scripts/db.sh installs them as superuser), so these statements are no-ops there; on an
 * external server they need a role allowed to create them.
 */
export class Foundation1764130000000 implements MigrationInterface {
  name = 'Foundation1764130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS postgis`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
  }

  async down(): Promise<void> {
    // Extensions are shared infrastructure; dropping them would take data with them.
  }
}
