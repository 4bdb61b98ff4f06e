import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * KYC documents of dealers, business buyers and technicians (src/identity/kyc-documents.service.ts):
 * a GST certificate, a PAN card and a shop photo, each an image in object storage. `kyc_documents`
 * keeps the key, the type read from the bytes, the size and SHA-256 of what was stored (re-encoded
 * without metadata). A new upload of a kind becomes the current one; the previous row stays, with
 * `superseded_at` set (at most one current row per account and kind).
 */
export class KycDocuments1764730000000 implements MigrationInterface {
  name = 'KycDocuments1764730000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE kyc_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('gst_certificate','pan_card','shop_photo')),
        storage_key text NOT NULL UNIQUE,
        content_type text NOT NULL CHECK (content_type IN ('image/jpeg','image/png','image/webp')),
        byte_size integer NOT NULL CHECK (byte_size > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        superseded_at timestamptz,
        CHECK (superseded_at IS NULL OR superseded_at >= uploaded_at)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX kyc_documents_current_idx ON kyc_documents (user_id, kind)
         WHERE superseded_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX kyc_documents_user_idx ON kyc_documents (user_id, uploaded_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE kyc_documents`);
  }
}
