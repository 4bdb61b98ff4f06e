import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Listing images: the bytes live in object storage (src/storage: local disk or S3) under
 * `storage_key`; this table holds what the API serves and checks — type (from the bytes' magic
 * numbers, not the request header), size, SHA-256 (the public ETag), pixel size read from the
 * image header, and the display order.
 *
 * A removed image is deleted (row and object), not flagged: images are neither money nor audit
 * records, nothing else references them, and a kept row would keep a dealer's withdrawn photo
 * around for no reader. `position` is unique per listing, checked at commit (DEFERRABLE), so a
 * reorder can permute positions in one statement.
 */
export class ListingImages1764210000000 implements MigrationInterface {
  name = 'ListingImages1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listing_images (
        id uuid PRIMARY KEY,
        listing_id uuid NOT NULL REFERENCES listings(id),
        storage_key text NOT NULL UNIQUE CHECK (length(storage_key) BETWEEN 1 AND 512),
        content_type text NOT NULL CHECK (content_type IN ('image/jpeg','image/png','image/webp')),
        byte_size integer NOT NULL CHECK (byte_size > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        width integer NOT NULL CHECK (width > 0),
        height integer NOT NULL CHECK (height > 0),
        position integer NOT NULL CHECK (position >= 0),
        uploaded_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT listing_images_position_key UNIQUE (listing_id, position)
          DEFERRABLE INITIALLY DEFERRED
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE listing_images`);
  }
}
