import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import {
  AdminListingQueryDto,
  ListingDetailDto,
  ListingDto,
  ListingIdParamDto,
  ListingPageDto,
  ModerationReasonDto,
  OptionalReasonDto,
} from '../dto/listing.dto.js';
import { ListingModerationService } from './listing-moderation.service.js';

/**
 * Listing moderation for admin and ops leader (reads declare `approve`: the moderation queue is for
 * moderators, not for dealers, who may read only their own listings). State changes answer 409 `listing/invalid-transition`
 * when the listing's state does not allow them; every action is audited with its reason.
 */
@ApiTags('catalog-moderation')
@ApiBearerAuth()
@Controller('admin/listings')
export class ListingModerationController {
  constructor(private readonly moderation: ListingModerationService) {}

  /** Filters: status, dealer, flagged near-duplicates, held price changes. Oldest first. */
  @Get()
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'List listings (moderation)' })
  list(@Query() q: AdminListingQueryDto): Promise<ListingPageDto> {
    return this.moderation.list(q);
  }

  @Get(':listingId')
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'A listing with its status and price history' })
  get(@Param() p: ListingIdParamDto): Promise<ListingDetailDto> {
    return this.moderation.get(p.listingId);
  }

  /** In review → active. */
  @Post(':listingId/approve')
  @HttpCode(200)
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'Approve a listing in review' })
  approve(
    @Param() p: ListingIdParamDto,
    @Body() body: OptionalReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.approveReview(p.listingId, body.reason, meta);
  }

  /** In review → draft, with the reason the dealer sees. */
  @Post(':listingId/reject')
  @HttpCode(200)
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'Reject a listing in review (back to draft)' })
  reject(
    @Param() p: ListingIdParamDto,
    @Body() body: ModerationReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.rejectReview(p.listingId, body.reason, meta);
  }

  /** The held price change goes live. 409 `listing/no-held-price` without one. */
  @Post(':listingId/price/approve')
  @HttpCode(200)
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'Approve a held price change' })
  approvePrice(
    @Param() p: ListingIdParamDto,
    @Body() body: OptionalReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.approvePrice(p.listingId, body.reason, meta);
  }

  @Post(':listingId/price/reject')
  @HttpCode(200)
  @Can('approve', 'Listing')
  @ApiOperation({ summary: 'Reject a held price change (live prices stay)' })
  rejectPrice(
    @Param() p: ListingIdParamDto,
    @Body() body: ModerationReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.rejectPrice(p.listingId, body.reason, meta);
  }

  /** Active (or paused by its dealer) → paused by admin: the dealer cannot resume it. */
  @Post(':listingId/pause')
  @HttpCode(200)
  @Can('suspend', 'Listing')
  @ApiOperation({ summary: 'Pause a listing (admin)' })
  pause(
    @Param() p: ListingIdParamDto,
    @Body() body: ModerationReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.pause(p.listingId, body.reason, meta);
  }

  /** Paused by admin → active. */
  @Post(':listingId/reinstate')
  @HttpCode(200)
  @Can('suspend', 'Listing')
  @ApiOperation({ summary: 'Lift an admin pause' })
  reinstate(
    @Param() p: ListingIdParamDto,
    @Body() body: ModerationReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.reinstate(p.listingId, body.reason, meta);
  }

  /** Any state → removed (terminal). */
  @Post(':listingId/remove')
  @HttpCode(200)
  @Can('suspend', 'Listing')
  @ApiOperation({ summary: 'Remove a listing (terminal)' })
  remove(
    @Param() p: ListingIdParamDto,
    @Body() body: ModerationReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<ListingDto> {
    return this.moderation.remove(p.listingId, body.reason, meta);
  }
}
