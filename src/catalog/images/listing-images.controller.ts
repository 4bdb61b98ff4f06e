import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Can, Public } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { RateLimitCategory } from '../../rate-limit/rate-limit.decorator.js';
import { matchesEtag } from '../../storage/http-object.js';
import { IMAGE_CONTENT_TYPES } from '../../common/media/media-type.js';
import {
  ListingImageDto,
  ListingImageListDto,
  ListingImageParamDto,
  ReorderListingImagesDto,
} from '../dto/listing-image.dto.js';
import { ListingIdParamDto } from '../dto/listing.dto.js';
import { IMAGE_MAX_AGE_SECONDS, ListingImagesService } from './listing-images.service.js';

/**
 * Images of a dealer's own listings (approved dealers; another dealer's listing is a 404). Upload:
 * the raw bytes as the body, Content-Type image/jpeg, image/png or image/webp; the type is checked
 * against the bytes (415 `listing-image/unsupported-type`), the size against LISTING_IMAGE_MAX_BYTES
 * (413 `listing-image/too-large`), the count against LISTING_IMAGES_MAX (409 `listing-image/too-many`);
 * the image is decoded in full (422 `media/undecodable`, `media/too-many-pixels`) and stored
 * re-encoded, upright and without metadata.
 */
@ApiTags('dealer-listings')
@ApiBearerAuth()
@RateLimitCategory('inventory')
@Controller('dealer/listings')
export class DealerListingImagesController {
  constructor(private readonly images: ListingImagesService) {}

  /** Adds an image after the listing's others (the first one is the cover image). */
  @Post(':listingId/images')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Upload an image of a listing (raw bytes)' })
  @ApiConsumes(...IMAGE_CONTENT_TYPES)
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: ListingImageDto, description: 'Stored' })
  @ApiPayloadTooLargeResponse({ description: '`listing-image/too-large`' })
  @ApiUnsupportedMediaTypeResponse({
    description:
      '`listing-image/unsupported-type`: not JPEG, PNG or WebP, or not the declared type',
  })
  @ApiConflictResponse({ description: '`listing-image/too-many`, `listing/removed`' })
  @ApiUnprocessableEntityResponse({
    description:
      '`media/undecodable`: not a whole image; `media/too-many-pixels`: more than MEDIA_IMAGE_MAX_PIXELS pixels',
  })
  upload(
    @Param() p: ListingIdParamDto,
    @Req() request: FastifyRequest,
    @Meta() meta: RequestMeta,
  ): Promise<ListingImageDto> {
    return this.images.upload(p.listingId, request.headers['content-type'], request.body, meta);
  }

  @Get(':listingId/images')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Images of one of my listings, in display order' })
  list(@Param() p: ListingIdParamDto, @Meta() meta: RequestMeta): Promise<ListingImageListDto> {
    return this.images.list(p.listingId, meta);
  }

  /** `imageIds`: every image of the listing, once, in the new order (422 `listing-image/order-mismatch` otherwise). */
  @Put(':listingId/images/order')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Reorder the images of a listing' })
  reorder(
    @Param() p: ListingIdParamDto,
    @Body() dto: ReorderListingImagesDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingImageListDto> {
    return this.images.reorder(p.listingId, dto, meta);
  }

  @Delete(':listingId/images/:imageId')
  @HttpCode(204)
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Delete an image of a listing' })
  @ApiNoContentResponse({ description: 'Deleted (row and stored bytes)' })
  async remove(@Param() p: ListingImageParamDto, @Meta() meta: RequestMeta): Promise<void> {
    await this.images.remove(p.listingId, p.imageId, meta);
  }
}

/** The bytes of listing images, for anyone, while the listing is visible in the public catalog. */
@ApiTags('catalog')
@Controller('catalog/listings')
export class CatalogListingImagesController {
  constructor(private readonly images: ListingImagesService) {}

  /**
   * The image's bytes with its Content-Type, `ETag: "<sha256>"` (If-None-Match → 304) and a short
   * public Cache-Control. 404 unless the listing is active and its dealer approved.
   */
  @Get(':listingId/images/:imageId')
  @Public()
  @ApiOperation({ summary: 'The bytes of a catalog listing image' })
  @ApiProduces(...IMAGE_CONTENT_TYPES)
  @ApiOkResponse({
    description: 'The image',
    content: Object.fromEntries(
      IMAGE_CONTENT_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
    ),
  })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' })
  @ApiNotFoundResponse({ description: 'No such image of a visible listing' })
  @ApiHeader({ name: 'if-none-match', required: false, description: 'A previous ETag' })
  async image(
    @Param() p: ListingImageParamDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | undefined> {
    const image = await this.images.publicImage(p.listingId, p.imageId);
    const cacheable = () =>
      reply
        .header('etag', image.etag)
        .header('cache-control', `public, max-age=${IMAGE_MAX_AGE_SECONDS}`)
        .header('x-content-type-options', 'nosniff');
    if (matchesEtag(ifNoneMatch, image.etag)) {
      void cacheable().status(304);
      return undefined;
    }
    // Opened first: a storage failure (503) must not carry the image's caching headers.
    const bytes = await image.open();
    void cacheable();
    return new StreamableFile(bytes, { type: image.contentType, length: image.byteSize });
  }
}
