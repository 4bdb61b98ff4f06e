import type { QueryRunner } from 'typeorm';

/**
 * Makes `table` append-only: triggers reject UPDATE, DELETE and TRUNCATE for everyone (the owner
 * too), and every other role loses UPDATE, DELETE and TRUNCATE on it. Uses the trigger function
 * `reject_append_only_change()` of IdentityAudit1764140000000 (whose own tables, like Ledger's, spell
 * the same statements out: landed migrations stay as they ran).
 */
export async function makeAppendOnly(q: QueryRunner, table: string): Promise<void> {
  await q.query(`
    CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION reject_append_only_change()`);
  await q.query(`
    CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
    FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change()`);
  await q.query(`
    DO $$
    DECLARE g record;
    BEGIN
      FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
               WHERE table_schema = 'public' AND table_name = '${table}'
                 AND privilege_type IN ('UPDATE','DELETE','TRUNCATE') AND grantee <> current_user
      LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM %I', g.grantee);
      END LOOP;
    END $$`);
}
