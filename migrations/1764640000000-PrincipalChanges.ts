import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to what a signed-in request's principal is made of — the account's role, status,
 * technician kind or phone verification, a session revoked, re-dated or deleted — is announced on
 * the `principal_changed` channel with the account's id, at commit (NOTIFY is transactional; one
 * transaction's identical notifications are sent once). Each API process listens and forgets the
 * principals it keeps for that account (README "Accounts, roles and signing in": the principal
 * cache), so a revocation reaches every process at once rather than when a cache entry ages out.
 */
export class PrincipalChanges1764640000000 implements MigrationInterface {
  name = 'PrincipalChanges1764640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION notify_principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('principal_changed', NEW.id::text);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('principal_changed', OLD.user_id::text);
        ELSE
          PERFORM pg_notify('principal_changed', NEW.user_id::text);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER users_principal_changed
      AFTER UPDATE OF role, status, technician_kind, phone, phone_verified_at ON users
      FOR EACH ROW
      WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.status IS DISTINCT FROM NEW.status
            OR OLD.technician_kind IS DISTINCT FROM NEW.technician_kind
            OR OLD.phone IS DISTINCT FROM NEW.phone
            OR OLD.phone_verified_at IS DISTINCT FROM NEW.phone_verified_at)
      EXECUTE FUNCTION notify_principal_changed()`);
    await q.query(`CREATE TRIGGER sessions_principal_changed
      AFTER UPDATE OF revoked_at, expires_at OR DELETE ON sessions
      FOR EACH ROW EXECUTE FUNCTION notify_principal_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER sessions_principal_changed ON sessions`);
    await q.query(`DROP TRIGGER users_principal_changed ON users`);
    await q.query(`DROP FUNCTION notify_principal_changed()`);
  }
}
