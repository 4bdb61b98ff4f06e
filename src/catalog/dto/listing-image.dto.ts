import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsUUID, Matches } from 'class-validator';
import { IMAGE_CONTENT_TYPES, type ImageContentType } from '../../common/media/media-type.js';
import { UUID } from '../../common/uuid.js';

export class ListingImageParamDto {
  @Matches(UUID, { message: 'listingId must be a UUID' })
  listingId!: string;
  @Matches(UUID, { message: 'imageId must be a UUID' })
  imageId!: string;
}

export class ReorderListingImagesDto {
  /** Every image of the listing, each once, in the new display order (first = cover image). */
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  imageIds!: string[];
}

/** An image as the public catalog shows it. */
export class CatalogListingImageDto {
  id!: string;
  /** Path of the image bytes: `GET` it (public, cacheable, ETag = `"<sha256>"`). */
  url!: string;
  @ApiProperty({ enum: IMAGE_CONTENT_TYPES })
  contentType!: ImageContentType;
  /** Pixels, from the image header. */
  width!: number;
  height!: number;
}

/** An image as its dealer manages it. */
export class ListingImageDto extends CatalogListingImageDto {
  listingId!: string;
  /** Size in bytes. */
  byteSize!: number;
  /** Hex SHA-256 of the bytes (the public ETag). */
  sha256!: string;
  /** Display order, ascending (0 = cover image); may have gaps after deletions. */
  position!: number;
  createdAt!: string;
}

export class ListingImageListDto {
  /** In display order. */
  items!: ListingImageDto[];
  /** Images a listing may have (LISTING_IMAGES_MAX). */
  maxImages!: number;
  /** Largest accepted image in bytes (LISTING_IMAGE_MAX_BYTES). */
  maxBytes!: number;
}
