import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  FlaggedReviewDto,
  FlaggedReviewPageDto,
  HideReviewDto,
  JobReviewsDto,
  ReviewDto,
  ReviewIdParamDto,
  ReviewInputDto,
  ReviewJobParamDto,
  ReviewPageDto,
  ReviewQueryDto,
  TechnicianIdParamDto,
} from './dto/review.dto.js';
import { ReviewsService } from './reviews.service.js';

/**
 * Ratings of completed repair jobs: the customer's review of the technician (`…/review`), the
 * technician's of the customer (`…/customer-review`), blind until both are in or the 14-day window
 * closes; a technician's revealed reviews; staff's flagged list and hiding of abusive text.
 */
@ApiTags('reviews')
@ApiBearerAuth()
@Controller()
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post('repairs/:repairJobId/review')
  @Can('create', 'Review')
  @ApiOperation({ summary: 'Review the technician of my completed repair job (within 14 days)' })
  review(
    @Param() p: ReviewJobParamDto,
    @Body() dto: ReviewInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReviewDto> {
    return this.reviews.submit(p.repairJobId, 'of_technician', dto, meta);
  }

  @Patch('repairs/:repairJobId/review')
  @Can('update', 'Review')
  @ApiOperation({ summary: 'Edit my review of the technician (48 h, while not revealed)' })
  editReview(
    @Param() p: ReviewJobParamDto,
    @Body() dto: ReviewInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReviewDto> {
    return this.reviews.edit(p.repairJobId, 'of_technician', dto, meta);
  }

  @Post('repairs/:repairJobId/customer-review')
  @Can('create', 'Review')
  @ApiOperation({
    summary: 'As its technician, review the customer of a completed job (within 14 days)',
  })
  customerReview(
    @Param() p: ReviewJobParamDto,
    @Body() dto: ReviewInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReviewDto> {
    return this.reviews.submit(p.repairJobId, 'of_customer', dto, meta);
  }

  @Patch('repairs/:repairJobId/customer-review')
  @Can('update', 'Review')
  @ApiOperation({ summary: 'Edit my review of the customer (48 h, while not revealed)' })
  editCustomerReview(
    @Param() p: ReviewJobParamDto,
    @Body() dto: ReviewInputDto,
    @Meta() meta: RequestMeta,
  ): Promise<ReviewDto> {
    return this.reviews.edit(p.repairJobId, 'of_customer', dto, meta);
  }

  @Get('repairs/:repairJobId/reviews')
  @Can('read', 'Review')
  @ApiOperation({ summary: 'My job’s reviews: mine, and the other party’s once revealed' })
  ofJob(@Param() p: ReviewJobParamDto, @Meta() meta: RequestMeta): Promise<JobReviewsDto> {
    return this.reviews.ofJob(p.repairJobId, meta);
  }

  @Get('technicians/:technicianId/reviews')
  @Can('read', 'Review')
  @ApiOperation({
    summary: 'A technician’s revealed reviews by its customers (hidden text withheld)',
  })
  ofTechnician(
    @Param() p: TechnicianIdParamDto,
    @Query() q: ReviewQueryDto,
  ): Promise<ReviewPageDto> {
    return this.reviews.ofTechnician(p.technicianId, q.limit, q.cursor);
  }

  @Get('admin/reviews/flags')
  @Can('read', 'ReviewModeration')
  @ApiOperation({
    summary: 'Flagged reviews (bursts of new accounts, the technician’s own device or IP)',
  })
  flagged(@Query() q: ReviewQueryDto): Promise<FlaggedReviewPageDto> {
    return this.reviews.flagged(q.limit, q.cursor);
  }

  @Post('admin/reviews/:reviewId/hide')
  @HttpCode(200)
  @Can('update', 'ReviewModeration')
  @ApiOperation({ summary: 'Hide a review’s abusive text (a reason, audited); the stars stay' })
  hide(
    @Param() p: ReviewIdParamDto,
    @Body() dto: HideReviewDto,
    @Meta() meta: RequestMeta,
  ): Promise<FlaggedReviewDto> {
    return this.reviews.hide(p.reviewId, dto.reason, meta);
  }
}
