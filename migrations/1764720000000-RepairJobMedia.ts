import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Photos and videos a customer attaches to a repair job (src/repairs/repair-media.service.ts). The
 * files live in object storage; `repair_job_media` keeps the key, the type read from the bytes, the
 * size and SHA-256 of what was stored (a photo as re-encoded without metadata), and who sent it.
 */
export class RepairJobMedia1764720000000 implements MigrationInterface {
  name = 'RepairJobMedia1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repair_job_media (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repair_job_id uuid NOT NULL REFERENCES repair_jobs(id),
        storage_key text NOT NULL UNIQUE,
        content_type text NOT NULL
          CHECK (content_type IN ('image/jpeg','image/png','image/webp','video/mp4','video/webm')),
        byte_size integer NOT NULL CHECK (byte_size > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        uploaded_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX repair_job_media_job_idx ON repair_job_media (repair_job_id, created_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE repair_job_media`);
  }
}
