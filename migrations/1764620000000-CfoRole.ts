import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `cfo` staff role (README "Accounts, roles and signing in"): made by an admin through
 * `POST /admin/staff`, it reads the money and changes nothing. Only `users.role`'s check names the
 * roles in SQL. Down refuses while a `cfo` account exists (the check fails on it).
 */
export class CfoRole1764620000000 implements MigrationInterface {
  name = 'CfoRole1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check
      CHECK (role IN ('customer','business','dealer','technician','admin','finance','ops_leader','compliance','cfo'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check
      CHECK (role IN ('customer','business','dealer','technician','admin','finance','ops_leader','compliance'))`);
  }
}
