/**
 * The SQL of listing images shared by the dealer routes and the public catalog (the listing detail
 * shows a visible listing's images).
 */
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';
import type { ImageContentType } from '../../common/media/media-type.js';
import type { CatalogListingImageDto } from '../dto/listing-image.dto.js';

export interface ImageRow {
  id: string;
  listing_id: string;
  storage_key: string;
  content_type: ImageContentType;
  byte_size: number;
  sha256: string;
  width: number;
  height: number;
  position: number;
  created_at: Date;
}

export const IMAGE_COLUMNS = `i.id::text AS id, i.listing_id::text AS listing_id, i.storage_key, i.content_type,
  i.byte_size, i.sha256, i.width, i.height, i.position, i.created_at`;

/** The public path of an image's bytes. */
export const imageUrl = (listingId: string, imageId: string): string =>
  `/catalog/listings/${listingId}/images/${imageId}`;

/** The images of a listing in display order, as the public catalog shows them (the caller checks visibility). */
export async function catalogImagesOf(
  tx: EntityManager,
  listingId: string,
): Promise<CatalogListingImageDto[]> {
  const { rows } = await execute<ImageRow>(
    tx,
    `SELECT ${IMAGE_COLUMNS} FROM listing_images i WHERE i.listing_id = $1 ORDER BY i.position, i.id`,
    [listingId],
  );
  return rows.map((r) => ({
    id: r.id,
    url: imageUrl(r.listing_id, r.id),
    contentType: r.content_type,
    width: r.width,
    height: r.height,
  }));
}
