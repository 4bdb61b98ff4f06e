import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * KYC documents may be PDFs (src/common/media/pdf-check.ts: whole, unencrypted, without active
 * content; stored as sent) besides JPEG, PNG and WebP photos.
 */
export class KycPdfDocuments1764742000000 implements MigrationInterface {
  name = 'KycPdfDocuments1764742000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE kyc_documents
        DROP CONSTRAINT kyc_documents_content_type_check,
        ADD CONSTRAINT kyc_documents_content_type_check
          CHECK (content_type IN ('image/jpeg','image/png','image/webp','application/pdf'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE kyc_documents
        DROP CONSTRAINT kyc_documents_content_type_check,
        ADD CONSTRAINT kyc_documents_content_type_check
          CHECK (content_type IN ('image/jpeg','image/png','image/webp'))`);
  }
}
