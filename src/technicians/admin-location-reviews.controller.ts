import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { PageQueryDto } from '../common/pagination.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  LocationReviewDto,
  LocationReviewPageDto,
  ReviewReasonDto,
  TechnicianIdParamDto,
} from './dto/technician.dto.js';
import { LocationReviews } from './location-reviews.service.js';

/** Staff review of technicians flagged by the location-spoofing rules (every decision audited). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/technicians')
export class AdminLocationReviewsController {
  constructor(private readonly reviews: LocationReviews) {}

  @Get('location-reviews')
  @Can('read', 'TechnicianLocationReview')
  @ApiOperation({ summary: 'Open location reviews, oldest first' })
  queue(@Query() q: PageQueryDto): Promise<LocationReviewPageDto> {
    return this.reviews.queue(q.limit, q.cursor);
  }

  @Post(':id/location-review/clear')
  @HttpCode(200)
  @Can('update', 'TechnicianLocationReview')
  @ApiOperation({ summary: 'Clear a flagged technician (back in matching; audited)' })
  clear(
    @Param() p: TechnicianIdParamDto,
    @Body() dto: ReviewReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<LocationReviewDto> {
    return this.reviews.clear(p.id, dto.reason, meta);
  }

  @Post(':id/location-review/suspend')
  @HttpCode(200)
  @Can('suspend', 'TechnicianLocationReview')
  @ApiOperation({ summary: 'Suspend a flagged technician (account suspension; audited)' })
  suspend(
    @Param() p: TechnicianIdParamDto,
    @Body() dto: ReviewReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<LocationReviewDto> {
    return this.reviews.suspend(p.id, dto.reason, meta);
  }
}
