import { getConstructionPlans } from 'pg-boss';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The job queue's schema (`pgboss`, pg-boss 12.38.0 — pinned —, schema version 46), created by the
 * owner so the application role needs no CREATE privilege (the app starts pg-boss with
 * `migrate: false`). The construction plan wraps itself in BEGIN … COMMIT; that wrapper is removed
 * so the plan and the grants run in this migration's one transaction (all or nothing, re-runnable).
 * The roles that use the public schema get the same rights on the queue's tables.
 */
function constructionPlan(): string {
  const plan = getConstructionPlans('pgboss').trim();
  if (!plan.startsWith('BEGIN;') || !plan.endsWith('COMMIT;'))
    throw new Error('pg-boss construction plan: expected BEGIN; … COMMIT;');
  return plan.slice('BEGIN;'.length, -'COMMIT;'.length);
}
export class JobQueue1764170000000 implements MigrationInterface {
  name = 'JobQueue1764170000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(constructionPlan());
    await q.query(`
      DO $$
      DECLARE g record;
      BEGIN
        FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                 WHERE table_schema = 'public' AND table_name = 'users'
                   AND privilege_type = 'INSERT' AND grantee <> current_user
        LOOP
          EXECUTE format('GRANT USAGE ON SCHEMA pgboss TO %I', g.grantee);
          EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO %I', g.grantee);
          EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO %I', g.grantee);
          EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA pgboss GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', g.grantee);
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA pgboss CASCADE`);
  }
}
