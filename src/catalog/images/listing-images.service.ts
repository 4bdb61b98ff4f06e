/**
 * Listing images. A dealer uploads the raw bytes of a JPEG, PNG or WebP image (the type is read from
 * the bytes' magic numbers and must match the Content-Type; the image is then decoded in full and
 * what is stored is its re-encoding, upright and without metadata), lists, reorders and deletes the
 * images of its own listings (another dealer's listing is a 404, like the other dealer routes); the public
 * catalog serves the bytes of images of visible listings only.
 *
 * Bytes and rows: an upload checks what it can first (listing, room for another image), stores the
 * bytes (object storage may be a remote service: never called inside a transaction), then inserts
 * the row in a transaction that locks the listing and checks again; if that transaction fails the
 * object is deleted. A deletion removes the row, then the object after commit. Either way a failure
 * between the two steps leaves at worst an object no row points to (logged), never a row without
 * its object.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { sanitizeImage } from '../../common/media/image-sanitizer.js';
import { mediaProblem } from '../../common/media/media-problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import {
  detectImageType,
  IMAGE_CONTENT_TYPES,
  imageFormatName,
  mediaTypeOf,
  type ImageContentType,
} from '../../common/media/media-type.js';
import type {
  ListingImageDto,
  ListingImageListDto,
  ReorderListingImagesDto,
} from '../dto/listing-image.dto.js';
import { loadListing, type ListingRow } from '../listings/listing-store.js';
import { VISIBLE } from '../search/catalog-search.service.js';
import { IMAGE_COLUMNS, imageUrl, type ImageRow } from './listing-image-store.js';

/** How long shared caches may serve an image without asking again (a hidden listing's images then 404). */
export const IMAGE_MAX_AGE_SECONDS = 300;

const ACCEPTED = IMAGE_CONTENT_TYPES.join(', ');

export const unsupportedImage = (detail: string, extensions: Record<string, unknown> = {}) =>
  new AppProblem(415, 'listing-image/unsupported-type', 'Unsupported image', detail, {
    accepted: [...IMAGE_CONTENT_TYPES],
    ...extensions,
  });

export const imageTooLarge = (maxBytes: number) =>
  new AppProblem(
    413,
    'listing-image/too-large',
    'Image too large',
    `An image may have at most ${maxBytes} bytes`,
    { maxBytes },
  );

const imageNotFound = () =>
  new AppProblem(404, 'listing-image/not-found', 'Not found', 'No such image');

const storageUnavailable = () =>
  new AppProblem(
    503,
    'storage/unavailable',
    'Storage unavailable',
    'The image store did not answer; try again',
    {},
    { 'retry-after': '5' },
  );

function toDto(r: ImageRow): ListingImageDto {
  return {
    id: r.id,
    listingId: r.listing_id,
    url: imageUrl(r.listing_id, r.id),
    contentType: r.content_type,
    width: r.width,
    height: r.height,
    byteSize: r.byte_size,
    sha256: r.sha256,
    position: r.position,
    createdAt: r.created_at.toISOString(),
  };
}

/** A removed listing cannot be changed (as in DealerListingsService). */
function assertChangeable(row: ListingRow): void {
  if (row.status === 'removed')
    throw new AppProblem(409, 'listing/removed', 'Removed', 'A removed listing cannot be changed', {
      listingStatus: 'removed',
    });
}

/** What the public route needs to answer: validators first, the bytes only when asked for. */
export interface PublicImage {
  etag: string;
  contentType: ImageContentType;
  byteSize: number;
  open(): Promise<Readable>;
}

@Injectable()
export class ListingImagesService {
  private readonly logger = new Logger(ListingImagesService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
  ) {}

  private get limits() {
    return this.config.catalog.images;
  }

  async upload(
    listingId: string,
    contentType: string | undefined,
    body: unknown,
    meta: RequestMeta,
  ): Promise<ListingImageDto> {
    const declared = mediaTypeOf(contentType);
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw unsupportedImage(
        `Send the image's bytes as the request body with Content-Type ${ACCEPTED}` +
          (declared ? ` (got ${declared})` : ''),
      );
    if (body.length > this.limits.maxBytes) throw imageTooLarge(this.limits.maxBytes);
    if (!(IMAGE_CONTENT_TYPES as readonly string[]).includes(declared))
      throw unsupportedImage(`Content-Type ${declared} is not accepted; send ${ACCEPTED}`);
    const detected = detectImageType(body);
    if (detected === null) throw unsupportedImage('The body is not a JPEG, PNG or WebP image');
    if (detected !== declared)
      throw unsupportedImage(
        `The body is a ${imageFormatName(detected)} image but was sent as ${declared}`,
        { detectedType: detected },
      );
    const image = await sanitizeImage(body, detected, {
      maxPixels: this.config.media.imageMaxPixels,
      timeoutSeconds: this.config.media.decodeTimeoutSeconds,
    });
    if (!image.ok) throw mediaProblem(image);

    const access = { principal: meta.principal!, action: 'update' as const };
    // Refuse now what the insert would refuse, before any bytes are stored.
    await this.transactions.run(async (tx) => {
      assertChangeable(await loadListing(tx, listingId, access, false));
      await this.assertRoom(tx, listingId);
    });

    const id = randomUUID();
    const key = `listings/${listingId}/${id}`;
    const sha256 = createHash('sha256').update(image.bytes).digest('hex');
    try {
      await this.storage.put(key, image.bytes, detected);
    } catch (err) {
      this.logger.error({ err, key }, 'storing a listing image failed');
      await this.discard(key);
      throw storageUnavailable();
    }
    try {
      return await this.transactions.run(async (tx) => {
        assertChangeable(await loadListing(tx, listingId, access, true));
        await this.assertRoom(tx, listingId);
        const { rows } = await execute<ImageRow>(
          tx,
          `INSERT INTO listing_images AS i (id, listing_id, storage_key, content_type, byte_size, sha256,
             width, height, position, uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
             (SELECT coalesce(max(position) + 1, 0) FROM listing_images WHERE listing_id = $2), $9)
           RETURNING ${IMAGE_COLUMNS}`,
          [
            id,
            listingId,
            key,
            detected,
            image.bytes.length,
            sha256,
            image.width,
            image.height,
            access.principal.userId,
          ],
        );
        return toDto(rows[0]!);
      });
    } catch (err) {
      await this.discard(key);
      throw err;
    }
  }

  async list(listingId: string, meta: RequestMeta): Promise<ListingImageListDto> {
    return this.transactions.run(async (tx) => {
      await loadListing(tx, listingId, { principal: meta.principal!, action: 'update' }, false);
      return this.listOf(tx, listingId);
    });
  }

  /** Deletes the row, then (after commit) the object. */
  async remove(listingId: string, imageId: string, meta: RequestMeta): Promise<void> {
    const key = await this.transactions.run(async (tx) => {
      const row = await loadListing(
        tx,
        listingId,
        { principal: meta.principal!, action: 'update' },
        true,
      );
      assertChangeable(row);
      const { rows } = await execute<{ storage_key: string }>(
        tx,
        `DELETE FROM listing_images WHERE id = $1 AND listing_id = $2 RETURNING storage_key`,
        [imageId, listingId],
      );
      if (rows.length === 0) throw imageNotFound();
      return rows[0]!.storage_key;
    });
    await this.discard(key);
  }

  /** Sets the display order: `imageIds` must name every image of the listing exactly once. */
  async reorder(
    listingId: string,
    dto: ReorderListingImagesDto,
    meta: RequestMeta,
  ): Promise<ListingImageListDto> {
    return this.transactions.run(async (tx) => {
      const row = await loadListing(
        tx,
        listingId,
        { principal: meta.principal!, action: 'update' },
        true,
      );
      assertChangeable(row);
      const { rows } = await execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM listing_images WHERE listing_id = $1`,
        [listingId],
      );
      const current = new Set(rows.map((r) => r.id));
      const given = dto.imageIds.map((i) => i.toLowerCase());
      if (given.length !== current.size || !given.every((i) => current.has(i)))
        throw new AppProblem(
          422,
          'listing-image/order-mismatch',
          'Not the listing’s images',
          'imageIds must list every image of the listing exactly once',
          { imageCount: current.size },
        );
      await execute(
        tx,
        `UPDATE listing_images i SET position = o.ord - 1
           FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, ord)
          WHERE i.id = o.id AND i.listing_id = $1`,
        [listingId, given],
      );
      return this.listOf(tx, listingId);
    });
  }

  /** An image of a visible listing (active, approved dealer); 404 for any other. */
  async publicImage(listingId: string, imageId: string): Promise<PublicImage> {
    const rows = await this.transactions.run(
      async (tx) =>
        (
          await execute<ImageRow>(
            tx,
            `SELECT ${IMAGE_COLUMNS}
               FROM listing_images i
               JOIN listings l ON l.id = i.listing_id
               JOIN users u ON u.id = l.dealer_id
              WHERE i.id = $1 AND i.listing_id = $2 AND ${VISIBLE}`,
            [imageId, listingId],
          )
        ).rows,
    );
    const row = rows[0];
    if (!row) throw imageNotFound();
    return {
      etag: `"${row.sha256}"`,
      contentType: row.content_type,
      byteSize: row.byte_size,
      open: async () => {
        let object;
        try {
          object = await this.storage.get(row.storage_key);
        } catch (err) {
          this.logger.error({ err, key: row.storage_key }, 'reading a listing image failed');
          throw storageUnavailable();
        }
        if (!object) {
          this.logger.error({ key: row.storage_key }, 'listing image row without its object');
          throw imageNotFound();
        }
        return object.body;
      },
    };
  }

  private async assertRoom(tx: EntityManager, listingId: string): Promise<void> {
    const { rows } = await execute<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM listing_images WHERE listing_id = $1`,
      [listingId],
    );
    const max = this.limits.maxPerListing;
    if (rows[0]!.n >= max)
      throw new AppProblem(
        409,
        'listing-image/too-many',
        'Too many images',
        `A listing may have at most ${max} images; delete one first`,
        { maxImages: max },
      );
  }

  private async listOf(tx: EntityManager, listingId: string): Promise<ListingImageListDto> {
    const { rows } = await execute<ImageRow>(
      tx,
      `SELECT ${IMAGE_COLUMNS} FROM listing_images i WHERE i.listing_id = $1 ORDER BY i.position, i.id`,
      [listingId],
    );
    return {
      items: rows.map(toDto),
      maxImages: this.limits.maxPerListing,
      maxBytes: this.limits.maxBytes,
    };
  }

  /** Deletes an object no row points to (any more); a failure only leaves an orphan, logged. */
  private async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      this.logger.warn({ err, key }, 'could not delete an orphaned listing image object');
    }
  }
}
