import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay a remote session runs on (`TUNNEL_RELAY_ID`), chosen when its first join token is issued
 * (src/remote/relay-choice.ts) and kept: both agents of a session must meet on one relay, and a
 * relay takes only tokens that name it. Null until the first token.
 */
export class RemoteSessionRelays1764745000000 implements MigrationInterface {
  name = 'RemoteSessionRelays1764745000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE remote_sessions ADD COLUMN relay_id text
      CHECK (relay_id ~ '^[a-z0-9][a-z0-9-]{0,62}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE remote_sessions DROP COLUMN relay_id`);
  }
}
