import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can } from '../../access/policy.decorator.js';
import { PageQueryDto } from '../../common/pagination.js';
import { IDEMPOTENCY_HEADER, requireIdempotencyKey } from '../../database/idempotency.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { RateLimitCategory } from '../../rate-limit/rate-limit.decorator.js';
import {
  AdjustStockDto,
  ChangePricesDto,
  CreateListingDto,
  DealerListingQueryDto,
  ListingDetailDto,
  ListingDto,
  ListingIdParamDto,
  ListingPageDto,
  PriceChangeResultDto,
  SetStockDto,
  StockMovementPageDto,
  UpdateListingDto,
} from '../dto/listing.dto.js';
import { DealerListingsService } from './dealer-listings.service.js';

/**
 * An approved dealer's own listings. Reads too declare `update`: this is the management view of
 * those who sell (staff, who may only read listings, use `/admin/listings`). A pending, suspended or blocked dealer gets 403; another
 * dealer's listing is 404 (its existence does not leak). Pricing rules are 422 with their code
 * (`listing/b2c-above-mrp`, …); state changes the machine refuses are 409 `listing/invalid-transition`.
 */
@ApiTags('dealer-listings')
@ApiBearerAuth()
@RateLimitCategory('inventory')
@Controller('dealer/listings')
export class DealerListingsController {
  constructor(private readonly listings: DealerListingsService) {}

  /** Creates a draft (flagged `duplicateOf` if it nearly duplicates another of the dealer's listings). */
  @Post()
  @Can('create', 'Listing')
  @ApiOperation({ summary: 'Create a listing (draft)' })
  create(@Body() dto: CreateListingDto, @Meta() meta: RequestMeta): Promise<ListingDto> {
    return this.listings.create(dto, meta);
  }

  @Get()
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'My listings' })
  list(@Query() q: DealerListingQueryDto, @Meta() meta: RequestMeta): Promise<ListingPageDto> {
    return this.listings.list(q, meta);
  }

  @Get(':listingId')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'One of my listings, with its status and price history' })
  get(@Param() p: ListingIdParamDto, @Meta() meta: RequestMeta): Promise<ListingDetailDto> {
    return this.listings.get(p.listingId, meta);
  }

  /** Edits descriptive fields (prices: `POST …/price`; stock: `…/stock`). */
  @Patch(':listingId')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Edit a listing' })
  update(
    @Param() p: ListingIdParamDto,
    @Body() dto: UpdateListingDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.listings.update(p.listingId, dto, meta);
  }

  /** Draft → in review (first listings of a new dealer, flagged near-duplicates) or → active. */
  @Post(':listingId/submit')
  @HttpCode(200)
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Submit a draft (to review or straight to active)' })
  submit(@Param() p: ListingIdParamDto, @Meta() meta: RequestMeta): Promise<ListingDto> {
    return this.listings.submit(p.listingId, meta);
  }

  @Post(':listingId/pause')
  @HttpCode(200)
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Pause an active listing' })
  pause(@Param() p: ListingIdParamDto, @Meta() meta: RequestMeta): Promise<ListingDto> {
    return this.listings.pause(p.listingId, meta);
  }

  /** Only a dealer's own pause; an admin pause stays (409). */
  @Post(':listingId/resume')
  @HttpCode(200)
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Resume a listing I paused' })
  resume(@Param() p: ListingIdParamDto, @Meta() meta: RequestMeta): Promise<ListingDto> {
    return this.listings.resume(p.listingId, meta);
  }

  /**
   * A complete new price set. 200 `live`: applied. 202 `held`: a price rose beyond the allowed jump
   * over its lowest live price in the window; held for admin review, live prices unchanged.
   */
  @Post(':listingId/price')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Change prices' })
  @ApiOkResponse({ type: PriceChangeResultDto, description: 'The new prices are live' })
  @ApiAcceptedResponse({ type: PriceChangeResultDto, description: 'Held for admin review' })
  async changePrices(
    @Param() p: ListingIdParamDto,
    @Body() dto: ChangePricesDto,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PriceChangeResultDto> {
    const result = await this.listings.changePrices(p.listingId, dto, meta);
    void reply.status(result.outcome === 'held' ? 202 : 200);
    return result;
  }

  /** Sets stock on hand (never below units reserved by unpaid checkouts: 409). */
  @Put(':listingId/stock')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Set stock on hand' })
  setStock(
    @Param() p: ListingIdParamDto,
    @Body() dto: SetStockDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.listings.setStock(p.listingId, dto, meta);
  }

  /**
   * Adds or takes out stock, with a reason (never below reserved: 409 `listing/stock-below-reserved`).
   * Needs an `Idempotency-Key`: a retry with the same key and body applies once (header
   * `Idempotent-Replayed: true`); the same key with another body is 422.
   */
  @Post(':listingId/stock/adjustments')
  @HttpCode(200)
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Adjust stock on hand' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'e.g. a UUID; reuse it to retry',
  })
  async adjustStock(
    @Param() p: ListingIdParamDto,
    @Body() dto: AdjustStockDto,
    @Headers(IDEMPOTENCY_HEADER) key: string | undefined,
    @Meta() meta: RequestMeta,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ListingDto> {
    const result = await this.listings.adjustStock(
      p.listingId,
      dto,
      requireIdempotencyKey(key),
      meta,
    );
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  /** Newest first. */
  @Get(':listingId/stock/movements')
  @Can('update', 'Listing')
  @ApiOperation({ summary: 'Stock movements of a listing' })
  movements(
    @Param() p: ListingIdParamDto,
    @Query() q: PageQueryDto,
    @Meta() meta: RequestMeta,
  ): Promise<StockMovementPageDto> {
    return this.listings.movements(p.listingId, q.limit, q.cursor, meta);
  }
}
